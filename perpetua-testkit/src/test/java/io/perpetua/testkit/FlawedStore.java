package io.perpetua.testkit;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.util.List;

/**
 * A memory store whose journal has one subtle {@link Flaw}, to show that the model property notices
 * more than a store that does nothing.
 */
final class FlawedStore implements Store {

    /** What the journal gets wrong. */
    enum Flaw {
        /** Appends every write as if its expectation were {@code any}. */
        IGNORES_EXPECTATIONS,
        /** Never deletes. */
        IGNORES_DELETES,
        /** Returns one event more than {@code max} asks for. */
        READS_ONE_TOO_MANY,
        /** Reports the highest sequence number still readable, lowered by deletes. */
        LOWERS_THE_HIGHEST_SEQUENCE_NUMBER_ON_DELETE,
        /** Applies the writes of one call in reverse order. */
        REVERSES_THE_WRITES_OF_A_CALL
    }

    private final Store store = Stores.open("memory:");
    private final Flaw flaw;
    private final EventJournal journal;

    FlawedStore(Flaw flaw) {
        this.flaw = flaw;
        this.journal = new Journal(store.journal());
    }

    @Override
    public String uri() {
        return "flawed:" + flaw;
    }

    @Override
    public EventJournal journal() {
        return journal;
    }

    @Override
    public SnapshotStore snapshots() {
        return store.snapshots();
    }

    @Override
    public CheckpointStore checkpoints() {
        return store.checkpoints();
    }

    @Override
    public void close() {
        store.close();
    }

    private final class Journal implements EventJournal {
        private final EventJournal delegate;

        Journal(EventJournal delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            return switch (flaw) {
                case IGNORES_EXPECTATIONS -> delegate.append(writes.stream()
                        .map(w -> new AtomicWrite(w.persistenceId(), ExpectedSequence.any(), w.events()))
                        .toList());
                case REVERSES_THE_WRITES_OF_A_CALL -> delegate.append(writes.reversed()).reversed();
                default -> delegate.append(writes);
            };
        }

        @Override
        public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            return delegate.read(persistenceId, fromSequenceNr, toSequenceNr, more(max));
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            if (flaw == Flaw.LOWERS_THE_HIGHEST_SEQUENCE_NUMBER_ON_DELETE) {
                List<StoredEvent> live = delegate.read(persistenceId, 0, Long.MAX_VALUE, Integer.MAX_VALUE);
                return live.isEmpty() ? 0 : live.getLast().sequenceNr();
            }
            return delegate.highestSequenceNr(persistenceId);
        }

        @Override
        public void deleteUpTo(String persistenceId, long toSequenceNr) {
            if (flaw != Flaw.IGNORES_DELETES) delegate.deleteUpTo(persistenceId, toSequenceNr);
        }

        @Override
        public List<StoredEvent> readAll(long fromPosition, int max) {
            return delegate.readAll(fromPosition, more(max));
        }

        @Override
        public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
            return delegate.readByTag(tag, fromPosition, more(max));
        }

        @Override
        public List<String> persistenceIds(String afterId, int max) {
            return delegate.persistenceIds(afterId, max);
        }

        @Override
        public long highestGlobalPosition() {
            return delegate.highestGlobalPosition();
        }

        @Override
        public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
            return delegate.awaitGlobalPosition(afterPosition, timeout);
        }

        private int more(int max) {
            return flaw == Flaw.READS_ONE_TOO_MANY && max < Integer.MAX_VALUE ? max + 1 : max;
        }
    }
}
