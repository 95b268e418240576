package io.perpetua.internal.memory;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PositionSignal;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The contents of one memory store: journal, snapshots and checkpoints, with the same semantics as a
 * durable store. All writes of one {@link #append} call happen under one write lock, so each atomic
 * write is all-or-nothing for every reader and global positions become visible in increasing order.
 * Byte arrays are copied on the way in and out, so no caller can change stored data.
 */
final class MemoryData implements EventJournal, SnapshotStore, CheckpointStore {

    private final long maxPayloadBytes;
    /** Durable state of processes, shared like everything else in this data. */
    final MemoryDurableState durableState;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Stream> streams = new HashMap<>();
    private final TreeSet<String> ids = new TreeSet<>(MemoryData::compareCodePoints);
    private final ArrayList<StoredEvent> all = new ArrayList<>(); // index = position - 1; null when deleted
    private final Map<String, LongList> tagIndex = new HashMap<>();
    private final Map<String, NavigableMap<Long, SnapshotRecord>> snapshots = new ConcurrentHashMap<>();
    private final Map<String, Long> checkpoints = new ConcurrentHashMap<>();
    private final Map<String, Object> consumerLocks = new ConcurrentHashMap<>();
    private final PositionSignal visible = new PositionSignal(0);

    MemoryData(long maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
        this.durableState = new MemoryDurableState(maxPayloadBytes);
    }

    private static final class Stream {
        final ArrayList<StoredEvent> events = new ArrayList<>(); // index = sequenceNr - 1; null when deleted
        long deletedUpTo;
    }

    private static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long v) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        /** Index of the first value >= key. */
        int lowerBound(long key) {
            int lo = 0, hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (values[mid] < key) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }

    // ---------------------------------------------------------------- journal

    @Override
    public List<WriteResult> append(List<AtomicWrite> writes) {
        Objects.requireNonNull(writes, "writes");
        List<WriteResult> results = new ArrayList<>(writes.size());
        long highest;
        lock.writeLock().lock();
        try {
            for (AtomicWrite write : writes) results.add(appendOne(write));
            highest = all.size();
        } finally {
            lock.writeLock().unlock();
        }
        visible.advance(highest); // the events are visible to readers now that the lock is released
        return results;
    }

    private WriteResult appendOne(AtomicWrite write) {
        for (EventData e : write.events()) {
            if (e.payload().size() > maxPayloadBytes) {
                return new WriteResult.Rejected("event of " + e.payload().size() + " bytes for '" + write.persistenceId()
                        + "' exceeds the memory store's limit of " + maxPayloadBytes + " bytes");
            }
        }
        Stream stream = streams.get(write.persistenceId());
        long highest = stream == null ? 0 : stream.events.size();
        if (!write.expected().matches(highest)) return new WriteResult.Conflict(write.expected(), highest);
        if (stream == null) {
            stream = new Stream();
            streams.put(write.persistenceId(), stream);
            ids.add(write.persistenceId());
        }
        long[] positions = new long[write.events().size()];
        long seq = highest;
        int i = 0;
        for (EventData e : write.events()) {
            long position = all.size() + 1L;
            StoredEvent stored = new StoredEvent(write.persistenceId(), ++seq, position, e.timestamp(), e.tags(),
                    copy(e.payload()));
            stream.events.add(stored);
            all.add(stored);
            for (String tag : e.tags()) tagIndex.computeIfAbsent(tag, t -> new LongList()).add(position);
            positions[i++] = position;
        }
        return new WriteResult.Written(highest + 1, positions);
    }


    @Override
    public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
        checkMax(max);
        lock.readLock().lock();
        try {
            Stream stream = streams.get(persistenceId);
            if (stream == null || max == 0) return List.of();
            long from = Math.max(Math.max(fromSequenceNr, 1), stream.deletedUpTo + 1);
            long to = Math.min(toSequenceNr, stream.events.size());
            List<StoredEvent> out = new ArrayList<>((int) Math.max(0, Math.min(max, to - from + 1)));
            for (long seq = from; seq <= to && out.size() < max; seq++) {
                out.add(copyOut(stream.events.get((int) (seq - 1))));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long highestSequenceNr(String persistenceId) {
        lock.readLock().lock();
        try {
            Stream stream = streams.get(persistenceId);
            return stream == null ? 0 : stream.events.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void deleteUpTo(String persistenceId, long toSequenceNr) {
        lock.writeLock().lock();
        try {
            Stream stream = streams.get(persistenceId);
            if (stream == null) return;
            long to = Math.min(toSequenceNr, stream.events.size());
            for (long seq = stream.deletedUpTo + 1; seq <= to; seq++) {
                StoredEvent e = stream.events.set((int) (seq - 1), null);
                all.set((int) (e.globalPosition() - 1), null);
            }
            stream.deletedUpTo = Math.max(stream.deletedUpTo, to);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<StoredEvent> readAll(long fromPosition, int max) {
        checkMax(max);
        lock.readLock().lock();
        try {
            List<StoredEvent> out = new ArrayList<>(Math.min(max, 1024));
            for (long p = Math.max(fromPosition, 1); p <= all.size() && out.size() < max; p++) {
                StoredEvent e = all.get((int) (p - 1));
                if (e != null) out.add(copyOut(e));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
        checkMax(max);
        lock.readLock().lock();
        try {
            LongList positions = tagIndex.get(tag);
            if (positions == null) return List.of();
            List<StoredEvent> out = new ArrayList<>(Math.min(max, 1024));
            for (int i = positions.lowerBound(fromPosition); i < positions.size && out.size() < max; i++) {
                StoredEvent e = all.get((int) (positions.values[i] - 1));
                if (e != null) out.add(copyOut(e));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<String> persistenceIds(String afterId, int max) {
        checkMax(max);
        Objects.requireNonNull(afterId, "afterId");
        lock.readLock().lock();
        try {
            List<String> out = new ArrayList<>(Math.min(max, 1024));
            for (String id : ids.tailSet(afterId, false)) {
                if (out.size() >= max) break;
                out.add(id);
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long highestGlobalPosition() {
        return visible.highest();
    }

    @Override
    public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
        return visible.await(afterPosition, timeout);
    }

    /** Orders strings by Unicode code point, the order of their UTF-8 bytes, as durable stores list ids. */
    static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) return codePointRank(x) - codePointRank(y);
        }
        return a.length() - b.length();
    }

    /** Moves surrogates above the other UTF-16 units, so that units compare in code point order. */
    private static int codePointRank(char c) {
        return c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    private static void checkMax(int max) {
        if (max < 0) throw new IllegalArgumentException("max must be >= 0, was " + max);
    }

    private static Payload copy(Payload p) {
        return p instanceof Payload.Serialized s
                ? new Payload.Serialized(s.manifest(), s.schemaVersion(), s.bytes().clone())
                : p;
    }

    private static StoredEvent copyOut(StoredEvent e) {
        return e.payload() instanceof Payload.Serialized
                ? new StoredEvent(e.persistenceId(), e.sequenceNr(), e.globalPosition(), e.timestamp(), e.tags(),
                        copy(e.payload()))
                : e;
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public void save(SnapshotRecord snapshot) {
        if (snapshot.payload().size() > maxPayloadBytes) {
            throw new IllegalArgumentException("snapshot of " + snapshot.payload().size() + " bytes for '"
                    + snapshot.persistenceId() + "' exceeds the memory store's limit of " + maxPayloadBytes + " bytes");
        }
        SnapshotRecord stored = new SnapshotRecord(snapshot.persistenceId(), snapshot.sequenceNr(),
                snapshot.timestamp(), copy(snapshot.payload()));
        NavigableMap<Long, SnapshotRecord> map =
                snapshots.computeIfAbsent(snapshot.persistenceId(), id -> new TreeMap<>());
        synchronized (map) {
            map.put(snapshot.sequenceNr(), stored);
        }
    }

    @Override
    public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
        NavigableMap<Long, SnapshotRecord> map = snapshots.get(persistenceId);
        if (map == null) return Optional.empty();
        synchronized (map) {
            for (SnapshotRecord s : map.headMap(criteria.maxSequenceNr(), true).descendingMap().values()) {
                if (criteria.matches(s.sequenceNr(), s.timestamp())) {
                    return Optional.of(new SnapshotRecord(s.persistenceId(), s.sequenceNr(), s.timestamp(),
                            copy(s.payload())));
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void delete(String persistenceId, long sequenceNr) {
        NavigableMap<Long, SnapshotRecord> map = snapshots.get(persistenceId);
        if (map == null) return;
        synchronized (map) {
            map.remove(sequenceNr);
        }
    }

    @Override
    public void delete(String persistenceId, SnapshotCriteria criteria) {
        NavigableMap<Long, SnapshotRecord> map = snapshots.get(persistenceId);
        if (map == null) return;
        synchronized (map) {
            map.values().removeIf(s -> criteria.matches(s.sequenceNr(), s.timestamp()));
        }
    }

    // ---------------------------------------------------------------- checkpoints

    @Override
    public void save(String name, long position) {
        checkpoints.put(checkName(name), position);
    }

    @Override
    public OptionalLong load(String name) {
        Long p = checkpoints.get(checkName(name));
        return p == null ? OptionalLong.empty() : OptionalLong.of(p);
    }

    @Override
    public void delete(String name) {
        checkpoints.remove(checkName(name));
    }

    /** Takes the consumer lock of {@code name}, shared by every store opened on this data. */
    Optional<ConsumerLocks.Lock> tryLock(String name) {
        Object holder = new Object();
        if (consumerLocks.putIfAbsent(checkName(name), holder) != null) return Optional.empty();
        return Optional.of(() -> consumerLocks.remove(name, holder));
    }

    List<String> checkpointNames() {
        List<String> names = new ArrayList<>(checkpoints.keySet());
        names.sort(MemoryData::compareCodePoints);
        return names;
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("checkpoint name must not be null or blank: '" + name + "'");
        }
        return name;
    }
}
