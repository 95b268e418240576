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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The contents of one memory store: journal, snapshots and checkpoints, with the same semantics as a
 * durable store. All writes of one {@link #append} call happen under one write lock, so each atomic
 * write is all-or-nothing for every reader and global positions become visible in increasing order.
 * Byte arrays are copied on the way in and out, so no caller can change stored data.
 *
 * <p>The journal is kept in columns ({@link Chunk}: one array per field, a few thousand events
 * each) rather than as one {@link StoredEvent} per event, and read back into records on demand. A
 * journal that only grows is all survivors to the garbage collector: as records, every event was
 * three objects (the event, its timestamp, its payload wrapper) for each young collection to copy,
 * which took about half the time of a persist; as columns it is a few arrays per chunk.
 */
final class MemoryData implements EventJournal, SnapshotStore, CheckpointStore {

    private static final int CHUNK_BITS = 12;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final long maxPayloadBytes;
    /** Durable state of processes, shared like everything else in this data. */
    final MemoryDurableState durableState;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, Stream> streams = new HashMap<>();
    private final TreeSet<String> ids = new TreeSet<>(MemoryData::compareCodePoints);
    private Chunk[] chunks = new Chunk[16]; // the global log: position p at chunks[(p - 1) / CHUNK]
    private long highestPosition;
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
        final String id;
        long[] positions = new long[4]; // index = sequenceNr - 1
        long highest;
        long deletedUpTo;

        Stream(String id) {
            this.id = id;
        }

        void add(long position) {
            if (highest == positions.length) positions = Arrays.copyOf(positions, positions.length * 2);
            positions[(int) highest++] = position;
        }
    }

    /**
     * {@link #CHUNK} consecutive global positions, one array per field. A body is the stored
     * {@link Payload.Serialized}, or the object of a {@link Payload.Reference} (the reference itself
     * when that object is a payload), so that a reference costs no object of its own; null once
     * the event is deleted.
     */
    private static final class Chunk {
        final Stream[] streams = new Stream[CHUNK];
        final long[] sequenceNrs = new long[CHUNK];
        final long[] seconds = new long[CHUNK];
        final int[] nanos = new int[CHUNK];
        final Object[] tags = new Object[CHUNK];
        final Object[] bodies = new Object[CHUNK];
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
            for (int i = 0; i < writes.size(); i++) results.add(appendOne(writes.get(i)));
            highest = highestPosition;
        } finally {
            lock.writeLock().unlock();
        }
        visible.advance(highest); // the events are visible to readers now that the lock is released
        return results;
    }

    private WriteResult appendOne(AtomicWrite write) {
        List<EventData> events = write.events();
        for (int i = 0; i < events.size(); i++) {
            Payload payload = events.get(i).payload();
            if (payload.size() > maxPayloadBytes) {
                return new WriteResult.Rejected("event of " + payload.size() + " bytes for '" + write.persistenceId()
                        + "' exceeds the memory store's limit of " + maxPayloadBytes + " bytes");
            }
        }
        Stream stream = streams.get(write.persistenceId());
        long highest = stream == null ? 0 : stream.highest;
        if (!write.expected().matches(highest)) return new WriteResult.Conflict(write.expected(), highest);
        if (stream == null) {
            stream = new Stream(write.persistenceId());
            streams.put(stream.id, stream);
            ids.add(stream.id);
        }
        long[] positions = new long[events.size()];
        for (int i = 0; i < events.size(); i++) {
            EventData e = events.get(i);
            long position = ++highestPosition;
            int index = slot(position);
            Chunk chunk = chunkFor(position);
            chunk.streams[index] = stream;
            chunk.sequenceNrs[index] = highest + i + 1;
            chunk.seconds[index] = e.timestamp().getEpochSecond();
            chunk.nanos[index] = e.timestamp().getNano();
            chunk.tags[index] = e.tags();
            chunk.bodies[index] = body(e.payload());
            stream.add(position);
            for (String tag : e.tags()) tagIndex.computeIfAbsent(tag, t -> new LongList()).add(position);
            positions[i] = position;
        }
        return new WriteResult.Written(highest + 1, positions);
    }

    /** The chunk of a new position, allocated when the position is its first. */
    private Chunk chunkFor(long position) {
        int c = chunkIndex(position);
        if (c == chunks.length) chunks = Arrays.copyOf(chunks, chunks.length * 2);
        Chunk chunk = chunks[c];
        if (chunk == null) chunks[c] = chunk = new Chunk();
        return chunk;
    }

    /** The index in {@link #chunks} of the chunk holding {@code position}. */
    private static int chunkIndex(long position) {
        return (int) ((position - 1) >>> CHUNK_BITS);
    }

    /** The index of {@code position} in its chunk. */
    private static int slot(long position) {
        return (int) ((position - 1) & (CHUNK - 1));
    }

    private static Object body(Payload payload) {
        return payload instanceof Payload.Reference r && !(r.value() instanceof Payload) ? r.value() : copy(payload);
    }

    /** The event at {@code position}, or null if it was deleted; under the lock. */
    private StoredEvent event(long position) {
        Chunk chunk = chunks[chunkIndex(position)];
        int index = slot(position);
        Object body = chunk.bodies[index];
        if (body == null) return null;
        @SuppressWarnings("unchecked")
        Set<String> tags = (Set<String>) chunk.tags[index];
        Payload payload = body instanceof Payload p ? copy(p) : new Payload.Reference(body);
        return new StoredEvent(chunk.streams[index].id, chunk.sequenceNrs[index], position,
                Instant.ofEpochSecond(chunk.seconds[index], chunk.nanos[index]), tags, payload);
    }

    @Override
    public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
        checkMax(max);
        lock.readLock().lock();
        try {
            Stream stream = streams.get(persistenceId);
            if (stream == null || max == 0) return List.of();
            long from = Math.max(Math.max(fromSequenceNr, 1), stream.deletedUpTo + 1);
            long to = Math.min(toSequenceNr, stream.highest);
            List<StoredEvent> out = new ArrayList<>((int) Math.max(0, Math.min(max, to - from + 1)));
            for (long seq = from; seq <= to && out.size() < max; seq++) {
                out.add(event(stream.positions[(int) (seq - 1)]));
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
            return stream == null ? 0 : stream.highest;
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
            long to = Math.min(toSequenceNr, stream.highest);
            for (long seq = stream.deletedUpTo + 1; seq <= to; seq++) {
                long position = stream.positions[(int) (seq - 1)];
                Chunk chunk = chunks[chunkIndex(position)];
                int index = slot(position);
                chunk.bodies[index] = null;
                chunk.tags[index] = null;
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
            for (long p = Math.max(fromPosition, 1); p <= highestPosition && out.size() < max; p++) {
                StoredEvent e = event(p);
                if (e != null) out.add(e);
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
                StoredEvent e = event(positions.values[i]);
                if (e != null) out.add(e);
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
