package io.perpetua.testing;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store that delegates to another (by default a fresh memory store) and can be told to misbehave:
 * fail, reject or block the next append, fail snapshot saves, or hand out corrupted payloads on
 * read. It records every append (its writes, so batch sizes) and every stream read.
 *
 * <p>Append faults are one-shot and apply to the next {@code append} calls in the order they were
 * armed. Faults on reads stay until cleared.
 */
public final class FaultyStore implements Store {

    /** One call of {@link EventJournal#read}. */
    public record Read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {}

    private sealed interface AppendFault {}
    private record Fail() implements AppendFault {}
    private record FailAfterWriting() implements AppendFault {}
    private record Reject(String reason) implements AppendFault {}
    private record Block(Gate gate) implements AppendFault {}

    private final Store delegate;
    private final Journal journal = new Journal();
    private final Snapshots snapshots = new Snapshots();
    private final ConcurrentLinkedQueue<AppendFault> appendFaults = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<List<AtomicWrite>> appends = new CopyOnWriteArrayList<>();
    private final AtomicInteger completedAppends = new AtomicInteger();
    private final CopyOnWriteArrayList<Read> reads = new CopyOnWriteArrayList<>();
    private final Map<String, Payload> eventReplacements = new ConcurrentHashMap<>();
    private final Map<String, Payload> snapshotReplacements = new ConcurrentHashMap<>();
    private final AtomicInteger readFailures = new AtomicInteger();
    private volatile boolean failSnapshotSaves;

    public FaultyStore(Store delegate) {
        this.delegate = delegate;
    }

    /** Over a fresh, private memory store. */
    public static FaultyStore overMemory() {
        return new FaultyStore(Stores.open("memory:"));
    }

    public Store delegate() {
        return delegate;
    }

    // ------------------------------------------------------------------ faults

    /** The next append throws {@link StoreException} and writes nothing. */
    public void failNextAppend() {
        appendFaults.add(new Fail());
    }

    /** The next append writes everything, then throws {@link StoreException} (the outcome looks unknown). */
    public void failNextAppendAfterWriting() {
        appendFaults.add(new FailAfterWriting());
    }

    /** The next append writes nothing and returns {@link WriteResult.Rejected} for each of its writes. */
    public void rejectNextAppend(String reason) {
        appendFaults.add(new Reject(reason));
    }

    /** The next append waits at the returned gate until it is released, then writes. */
    public Gate blockNextAppend() {
        Gate gate = new Gate();
        appendFaults.add(new Block(gate));
        return gate;
    }

    /** The next {@code n} stream reads ({@code read} or {@code highestSequenceNr}) throw {@link StoreException}. */
    public void failNextReads(int n) {
        readFailures.set(n);
    }

    private void maybeFailRead() {
        if (readFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) throw new StoreException("injected read failure");
    }

    /** Makes every snapshot save throw {@link StoreException} (or stop doing so). */
    public void failSnapshotSaves(boolean fail) {
        this.failSnapshotSaves = fail;
    }

    /** Reads of event {@code sequenceNr} of {@code persistenceId} return {@code replacement} as its payload. */
    public void replaceEventPayload(String persistenceId, long sequenceNr, Payload replacement) {
        eventReplacements.put(key(persistenceId, sequenceNr), replacement);
    }

    /** Loads of the snapshot at {@code sequenceNr} return {@code replacement} as its payload. */
    public void replaceSnapshotPayload(String persistenceId, long sequenceNr, Payload replacement) {
        snapshotReplacements.put(key(persistenceId, sequenceNr), replacement);
    }

    /** Bytes that no serializer can read, under the given manifest. */
    public static Payload garbage(String manifest) {
        return new Payload.Serialized(manifest, 1, new byte[] {0x13, 0x37, 0x00, (byte) 0xFF});
    }

    // ------------------------------------------------------------------ records

    /** Number of append calls that reached this store. */
    public int appendCalls() {
        return appends.size();
    }

    /** Number of append calls that returned normally. */
    public int completedAppends() {
        return completedAppends.get();
    }

    /** The number of atomic writes of each append call, in call order. */
    public List<Integer> batchSizes() {
        return appends.stream().map(List::size).toList();
    }

    /** The persistence ids written by each append call, in call order. */
    public List<List<String>> batches() {
        return appends.stream().map(b -> b.stream().map(AtomicWrite::persistenceId).toList()).toList();
    }

    /** The atomic writes for {@code persistenceId}, in append order. */
    public List<AtomicWrite> writesTo(String persistenceId) {
        List<AtomicWrite> out = new ArrayList<>();
        for (List<AtomicWrite> batch : appends) {
            for (AtomicWrite w : batch) if (w.persistenceId().equals(persistenceId)) out.add(w);
        }
        return out;
    }

    /** The stream reads of {@code persistenceId}, in call order. */
    public List<Read> reads(String persistenceId) {
        return reads.stream().filter(r -> r.persistenceId().equals(persistenceId)).toList();
    }

    /** Forgets recorded appends and reads. */
    public void clearRecords() {
        appends.clear();
        reads.clear();
    }

    /** Every event of the stream as the underlying store holds it, without faults. */
    public List<StoredEvent> events(String persistenceId) {
        return delegate.journal().read(persistenceId, 1, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** The sequence numbers of the process's snapshots in the underlying store, ascending. */
    public List<Long> snapshotSequenceNrs(String persistenceId) {
        List<Long> out = new ArrayList<>();
        SnapshotCriteria criteria = SnapshotCriteria.latest();
        while (true) {
            Optional<SnapshotRecord> s = delegate.snapshots().loadLatest(persistenceId, criteria);
            if (s.isEmpty()) break;
            out.addFirst(s.get().sequenceNr());
            if (s.get().sequenceNr() == 0) break;
            criteria = SnapshotCriteria.upTo(s.get().sequenceNr() - 1);
        }
        return out;
    }

    private static String key(String persistenceId, long sequenceNr) {
        return persistenceId + "#" + sequenceNr;
    }

    // ------------------------------------------------------------------ Store

    @Override
    public String uri() {
        return "faulty+" + delegate.uri();
    }

    @Override
    public EventJournal journal() {
        return journal;
    }

    @Override
    public SnapshotStore snapshots() {
        return snapshots;
    }

    @Override
    public CheckpointStore checkpoints() {
        return delegate.checkpoints();
    }

    @Override
    public boolean acceptsReferences() {
        return delegate.acceptsReferences();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Holds a blocked append until {@link #release()}. */
    public static final class Gate {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /** Waits until the append has reached the gate. */
        public void awaitEntered() {
            Await.latch("an append to reach the gate", entered);
        }

        public boolean isEntered() {
            return entered.getCount() == 0;
        }

        public void release() {
            released.countDown();
        }

        void pass() {
            entered.countDown();
            try {
                if (!released.await(Await.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new StoreException("test gate was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted at the test gate", e);
            }
        }
    }

    private final class Journal implements EventJournal {
        private EventJournal d() {
            return delegate.journal();
        }

        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            appends.add(List.copyOf(writes));
            AppendFault fault = appendFaults.poll();
            List<WriteResult> results = switch (fault) {
                case null -> d().append(writes);
                case Fail f -> throw new StoreException("injected append failure (nothing written)");
                case FailAfterWriting f -> {
                    d().append(writes);
                    throw new StoreException("injected append failure (after writing)");
                }
                case Reject r -> writes.stream().map(w -> (WriteResult) new WriteResult.Rejected(r.reason())).toList();
                case Block b -> {
                    b.gate().pass();
                    yield d().append(writes);
                }
            };
            completedAppends.incrementAndGet();
            return results;
        }

        @Override
        public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            maybeFailRead();
            reads.add(new Read(persistenceId, fromSequenceNr, toSequenceNr, max));
            List<StoredEvent> events = d().read(persistenceId, fromSequenceNr, toSequenceNr, max);
            if (eventReplacements.isEmpty()) return events;
            return events.stream().map(e -> {
                Payload p = eventReplacements.get(key(e.persistenceId(), e.sequenceNr()));
                return p == null ? e : new StoredEvent(e.persistenceId(), e.sequenceNr(), e.globalPosition(),
                        e.timestamp(), e.tags(), p);
            }).toList();
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            maybeFailRead();
            return d().highestSequenceNr(persistenceId);
        }

        @Override
        public void deleteUpTo(String persistenceId, long toSequenceNr) {
            d().deleteUpTo(persistenceId, toSequenceNr);
        }

        @Override
        public List<StoredEvent> readAll(long fromPosition, int max) {
            return d().readAll(fromPosition, max);
        }

        @Override
        public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
            return d().readByTag(tag, fromPosition, max);
        }

        @Override
        public List<String> persistenceIds(String afterId, int max) {
            return d().persistenceIds(afterId, max);
        }

        @Override
        public long highestGlobalPosition() {
            return d().highestGlobalPosition();
        }

        @Override
        public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
            return d().awaitGlobalPosition(afterPosition, timeout);
        }
    }

    private final class Snapshots implements SnapshotStore {
        private SnapshotStore d() {
            return delegate.snapshots();
        }

        @Override
        public void save(SnapshotRecord snapshot) {
            if (failSnapshotSaves) throw new StoreException("injected snapshot save failure");
            d().save(snapshot);
        }

        @Override
        public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
            return d().loadLatest(persistenceId, criteria).map(s -> {
                Payload p = snapshotReplacements.get(key(s.persistenceId(), s.sequenceNr()));
                return p == null ? s : new SnapshotRecord(s.persistenceId(), s.sequenceNr(), s.timestamp(), p);
            });
        }

        @Override
        public void delete(String persistenceId, long sequenceNr) {
            d().delete(persistenceId, sequenceNr);
        }

        @Override
        public void delete(String persistenceId, SnapshotCriteria criteria) {
            d().delete(persistenceId, criteria);
        }
    }
}
