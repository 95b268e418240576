package io.perpetua.internal.memory;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.DurableStateRecord;
import io.perpetua.spi.DurableStateStore;
import io.perpetua.spi.Payload;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store that keeps everything in the heap of this JVM, with the semantics of a durable store.
 *
 * <p>{@code memory:} opens a fresh, private store. {@code memory:NAME} opens the store named NAME,
 * shared by every opener in this JVM and kept after close, so that a test can close a runtime and
 * recover its processes in a new one; it lives until the JVM exits. Payloads above 16 MiB are
 * rejected, as a durable store would. Its checkpoint store implements
 * {@link io.perpetua.spi.ConsumerLocks}, shared by every opener of the same named store.
 */
public final class MemoryStore implements Store {

    /** The largest event or snapshot payload accepted, in bytes. */
    public static final long MAX_PAYLOAD_BYTES = 16L << 20;

    private final String uri;
    private final MemoryData data;
    private final Journal journal = new Journal();
    private final Snapshots snapshots = new Snapshots();
    private final Checkpoints checkpoints = new Checkpoints();
    private final DurableState durableState = new DurableState();
    private volatile boolean closed;

    MemoryStore(String uri, MemoryData data) {
        this.uri = uri;
        this.data = data;
    }

    /** A fresh private memory store. */
    public static MemoryStore create() {
        return new MemoryStore("memory:", new MemoryData(MAX_PAYLOAD_BYTES));
    }

    @Override
    public String uri() {
        return uri;
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
        return checkpoints;
    }

    @Override
    public DurableStateStore durableState() {
        return durableState;
    }

    @Override
    public boolean acceptsReferences() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
        checkpoints.releaseConsumerLocks();
    }

    private MemoryData open() {
        if (closed) throw new IllegalStateException("store " + uri + " is closed");
        return data;
    }

    private final class Journal implements EventJournal {
        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            return open().append(writes);
        }

        @Override
        public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            return open().read(persistenceId, fromSequenceNr, toSequenceNr, max);
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            return open().highestSequenceNr(persistenceId);
        }

        @Override
        public void deleteUpTo(String persistenceId, long toSequenceNr) {
            open().deleteUpTo(persistenceId, toSequenceNr);
        }

        @Override
        public List<StoredEvent> readAll(long fromPosition, int max) {
            return open().readAll(fromPosition, max);
        }

        @Override
        public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
            return open().readByTag(tag, fromPosition, max);
        }

        @Override
        public List<String> persistenceIds(String afterId, int max) {
            return open().persistenceIds(afterId, max);
        }

        @Override
        public long highestGlobalPosition() {
            return open().highestGlobalPosition();
        }

        @Override
        public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
            return open().awaitGlobalPosition(afterPosition, timeout);
        }
    }

    private final class Snapshots implements SnapshotStore {
        @Override
        public void save(SnapshotRecord snapshot) {
            open().save(snapshot);
        }

        @Override
        public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
            return open().loadLatest(persistenceId, criteria);
        }

        @Override
        public void delete(String persistenceId, long sequenceNr) {
            open().delete(persistenceId, sequenceNr);
        }

        @Override
        public void delete(String persistenceId, SnapshotCriteria criteria) {
            open().delete(persistenceId, criteria);
        }
    }

    private final class Checkpoints implements CheckpointStore, ConsumerLocks {
        @Override
        public void save(String name, long position) {
            open().save(name, position);
        }

        @Override
        public OptionalLong load(String name) {
            return open().load(name);
        }

        @Override
        public void delete(String name) {
            open().delete(name);
        }

        @Override
        public List<String> names() {
            return open().checkpointNames();
        }

        private final Set<Lock> heldLocks = ConcurrentHashMap.newKeySet();

        @Override
        public Optional<Lock> tryLock(String name) {
            return open().tryLock(name).map(taken -> {
                Lock lock = new Lock() {
                    @Override
                    public void close() {
                        heldLocks.remove(this);
                        taken.close();
                    }
                };
                heldLocks.add(lock);
                return lock;
            });
        }

        void releaseConsumerLocks() {
            for (Lock lock : List.copyOf(heldLocks)) lock.close();
        }
    }

    private final class DurableState implements DurableStateStore {
        @Override
        public Optional<DurableStateRecord> load(String persistenceId) {
            return open().durableState.load(persistenceId);
        }

        @Override
        public boolean upsert(String persistenceId, long expectedRevision, Payload payload) {
            return open().durableState.upsert(persistenceId, expectedRevision, payload);
        }

        @Override
        public void delete(String persistenceId) {
            open().durableState.delete(persistenceId);
        }
    }
}
