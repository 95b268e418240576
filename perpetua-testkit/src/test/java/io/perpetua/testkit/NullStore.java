package io.perpetua.testkit;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * A store that does nothing: its journal accepts every append and answers {@link WriteResult.Written}
 * with made-up numbers (first sequence number 1, increasing global positions), keeps nothing, reads
 * nothing and never waits; its snapshot and checkpoint stores keep nothing; it validates no input and
 * ignores close. The conformance suites must fail on it.
 */
final class NullStore implements Store, EventJournal, SnapshotStore, CheckpointStore {

    private final AtomicLong positions = new AtomicLong();

    @Override
    public String uri() {
        return "null:";
    }

    @Override
    public EventJournal journal() {
        return this;
    }

    @Override
    public SnapshotStore snapshots() {
        return this;
    }

    @Override
    public CheckpointStore checkpoints() {
        return this;
    }

    @Override
    public void close() {}

    @Override
    public List<WriteResult> append(List<AtomicWrite> writes) {
        return writes.stream()
                .<WriteResult>map(w -> new WriteResult.Written(1, LongStream.range(0, w.events().size())
                        .map(i -> positions.incrementAndGet()).toArray()))
                .toList();
    }

    @Override
    public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
        return List.of();
    }

    @Override
    public long highestSequenceNr(String persistenceId) {
        return 0;
    }

    @Override
    public void deleteUpTo(String persistenceId, long toSequenceNr) {}

    @Override
    public List<StoredEvent> readAll(long fromPosition, int max) {
        return List.of();
    }

    @Override
    public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
        return List.of();
    }

    @Override
    public List<String> persistenceIds(String afterId, int max) {
        return List.of();
    }

    @Override
    public long highestGlobalPosition() {
        return 0;
    }

    @Override
    public long awaitGlobalPosition(long afterPosition, Duration timeout) {
        return 0;
    }

    @Override
    public void save(SnapshotRecord snapshot) {}

    @Override
    public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
        return Optional.empty();
    }

    @Override
    public void delete(String persistenceId, long sequenceNr) {}

    @Override
    public void delete(String persistenceId, SnapshotCriteria criteria) {}

    @Override
    public void save(String name, long position) {}

    @Override
    public OptionalLong load(String name) {
        return OptionalLong.empty();
    }

    @Override
    public void delete(String name) {}
}
