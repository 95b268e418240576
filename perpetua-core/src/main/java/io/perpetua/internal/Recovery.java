package io.perpetua.internal;

import io.perpetua.DeadLetter;
import io.perpetua.PersistentProcess;
import io.perpetua.PoisonEventPolicy;
import io.perpetua.RecoveryFailedException;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recovery phase of a process: the newest readable snapshot (an unreadable one is logged and
 * the next older tried), then the events after it, read {@code recoveryBatchSize} at a time so that
 * memory stays bounded however long the stream. Each stored event is decoded through the type's
 * event adapter into zero or more events, which are applied in order; a poison event
 * (cannot be decoded, or {@code apply} throws) fails recovery or is skipped into a dead letter.
 */
public final class Recovery<S, E> {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** The outcome: the state, the sequence number it includes, and the newest snapshot's number. */
    public record Recovered<S>(S state, long sequenceNr, long snapshotSequenceNr, long eventsReplayed) {}

    private final String persistenceId;
    private final ProcessSettings<S, E> settings;
    private final PersistentProcess<?, S, E> behaviour;

    public Recovery(String persistenceId, ProcessSettings<S, E> settings, PersistentProcess<?, S, E> behaviour) {
        this.persistenceId = persistenceId;
        this.settings = settings;
        this.behaviour = behaviour;
    }

    public Recovered<S> run() {
        S state = behaviour.initialState();
        if (state == null) {
            throw new RecoveryFailedException(persistenceId, 0, "initialState() of process type '" + settings.typeName()
                    + "' returned null", null);
        }
        long seq = 0;
        long snapshotSeq = 0;
        Optional<Loaded<S>> snapshot = loadSnapshot();
        if (snapshot.isPresent()) {
            state = snapshot.get().state;
            seq = snapshot.get().sequenceNr;
            snapshotSeq = seq;
        }
        return replay(state, seq, snapshotSeq);
    }

    /** Applies every event after {@code fromSeq} to {@code state}. */
    @SuppressWarnings("unchecked")
    Recovered<S> replay(S state, long lastSeq, long snapshotSeq) {
        long highest = settings.store().journal().highestSequenceNr(persistenceId);
        int batch = settings.recoveryBatchSize();
        long replayed = 0;
        long next = lastSeq + 1;
        PageReader pages = new PageReader(highest, batch);
        while (next <= highest) {
            List<StoredEvent> events = pages.read(next);
            if (events.isEmpty() || events.getFirst().sequenceNr() != next) {
                long missingTo = events.isEmpty() ? highest : events.getFirst().sequenceNr() - 1;
                throw new EventsMissing(persistenceId, next, missingTo);
            }
            // read the next page on another thread while this one is decoded and applied
            if (events.size() == batch && events.getLast().sequenceNr() < highest) {
                pages.readAhead(events.getLast().sequenceNr() + 1);
            }
            for (StoredEvent stored : events) {
                List<E> current;
                try {
                    current = settings.codec().decode(stored);
                } catch (RuntimeException e) {
                    poison(stored, "cannot be deserialized", e);
                    lastSeq = stored.sequenceNr();
                    continue;
                }
                try {
                    S nextState = state;
                    for (E event : current) {
                        nextState = behaviour.apply(nextState, event);
                        if (nextState == null) throw new IllegalStateException("apply returned null");
                    }
                    state = nextState;
                } catch (RuntimeException e) {
                    poison(stored, "cannot be applied", e);
                }
                lastSeq = stored.sequenceNr();
                replayed++;
            }
            next = lastSeq + 1;
            if (events.size() < batch && events.getLast().sequenceNr() >= highest) break;
        }
        return new Recovered<>(state, Math.max(lastSeq, highest), snapshotSeq, replayed);
    }

    /**
     * Reads the pages of a replay, the next one ahead on a virtual thread while the current one is
     * decoded and applied, so that a long stream's store reads and its decoding use two cores. A read
     * ahead starts only after a full page, so a short stream (the usual activation) costs no thread.
     * A failure of a read ahead is thrown where the page is needed, as the store threw it.
     */
    private final class PageReader {
        private final long highest;
        private final int batch;
        private long aheadFrom = -1;
        private FutureTask<List<StoredEvent>> ahead;

        PageReader(long highest, int batch) {
            this.highest = highest;
            this.batch = batch;
        }

        List<StoredEvent> read(long from) {
            if (ahead == null || aheadFrom != from) return settings.store().journal().read(persistenceId, from, highest, batch);
            FutureTask<List<StoredEvent>> page = ahead;
            ahead = null;
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return page.get();
                    } catch (InterruptedException e) {
                        interrupted = true; // the read is under way; a process is interrupted only to stop, after it
                    }
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }

        void readAhead(long from) {
            aheadFrom = from;
            ahead = new FutureTask<>(() -> settings.store().journal().read(persistenceId, from, highest, batch));
            Thread.ofVirtual().name("perpetua-replay:" + persistenceId).start(ahead);
        }
    }

    /** {@code e} as a {@link RecoveryFailedException} naming the process (a store failure, for instance). */
    public static RecoveryFailedException asRecoveryFailure(String persistenceId, RuntimeException e) {
        if (e instanceof RecoveryFailedException r) return r;
        if (e instanceof io.perpetua.spi.CorruptDataException c) {
            // the store cannot return the event intact: recovery stops at it, whatever the poison policy
            return new RecoveryFailedException(persistenceId, c.sequenceNr(), "recovery failed: event " + c.sequenceNr()
                    + " of process '" + persistenceId + "' is corrupt in the store: " + c.getMessage(), c);
        }
        return new RecoveryFailedException(persistenceId, 0, "recovery of process '" + persistenceId + "' failed: " + e, e);
    }

    /**
     * Events the replay needs were deleted (they were covered by a snapshot that is now unreadable, or
     * another writer deleted them behind its newer snapshot). Replaying past them would give a wrong
     * state, so recovery fails instead, whatever the poison-event policy.
     */
    static final class EventsMissing extends RecoveryFailedException {
        EventsMissing(String persistenceId, long from, long to) {
            super(persistenceId, from, "recovery failed: events " + from + " to " + to + " of process '" + persistenceId
                    + "' are deleted and no readable snapshot covers them", null);
        }
    }

    private void poison(StoredEvent stored, String what, RuntimeException cause) {
        String manifest = Codec.manifestOf(stored.payload());
        String reason = "event " + stored.sequenceNr() + " of process '" + persistenceId + "' (type '" + settings.typeName()
                + "', manifest " + manifest + ") " + what + ": " + cause;
        if (settings.poisonPolicy() == PoisonEventPolicy.FAIL) {
            throw new RecoveryFailedException(persistenceId, stored.sequenceNr(), "recovery failed: " + reason, cause);
        }
        log.warn("skipping poison {}", reason);
        settings.deadLetters().accept(new DeadLetter(persistenceId, stored.sequenceNr(), manifest, reason));
    }

    private record Loaded<S>(S state, long sequenceNr) {}

    @SuppressWarnings("unchecked")
    private Optional<Loaded<S>> loadSnapshot() {
        SnapshotCriteria criteria = SnapshotCriteria.latest();
        while (true) {
            Optional<SnapshotRecord> found = settings.store().snapshots().loadLatest(persistenceId, criteria);
            if (found.isEmpty()) return Optional.empty();
            SnapshotRecord s = found.get();
            try {
                S state = settings.codec().decodeSnapshot(s.payload());
                return Optional.of(new Loaded<>(state, s.sequenceNr()));
            } catch (RuntimeException e) {
                log.warn("snapshot {} of process '{}' (manifest {}) is unreadable and is skipped: {}", s.sequenceNr(),
                        persistenceId, Codec.manifestOf(s.payload()), e.toString());
                if (s.sequenceNr() == 0) return Optional.empty();
                criteria = SnapshotCriteria.upTo(s.sequenceNr() - 1);
            }
        }
    }
}
