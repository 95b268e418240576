package io.perpetua.internal;

import io.perpetua.DeadLetter;
import io.perpetua.PersistentProcess;
import io.perpetua.PoisonEventPolicy;
import io.perpetua.RecoveryFailedException;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
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
    Recovered<S> replay(S state, long lastSeq, long snapshotSeq) {
        long highest = settings.store().journal().highestSequenceNr(persistenceId);
        int batch = settings.recoveryBatchSize();
        Progress<S> progress = new Progress<>(state, lastSeq);
        long next = lastSeq + 1;
        ArrayDeque<Page> ahead = new ArrayDeque<>(PAGES_AHEAD);
        while (next <= highest) {
            Page page = ahead.pollFirst();
            if (page != null && page.from != next) { // a shorter page came before: those read ahead do not fit
                ahead.clear();
                page = null;
            }
            List<StoredEvent> events = page != null ? page.events() : read(next, highest, batch);
            if (events.isEmpty() || events.getFirst().sequenceNr() != next) {
                long missingTo = events.isEmpty() ? highest : events.getFirst().sequenceNr() - 1;
                throw new EventsMissing(persistenceId, next, missingTo);
            }
            // read the next pages on other threads while this one is decoded and applied: after the
            // first page a stream's sequence numbers are contiguous (deletes remove a prefix), so a
            // page's range is known before the one before it has been read. Not for events kept as
            // objects (a memory store): nothing to decode, and the hand-offs would cost more than the reads
            if (events.size() == batch && events.getLast().sequenceNr() < highest
                    && events.getFirst().payload() instanceof Payload.Serialized) {
                long from = ahead.isEmpty() ? events.getLast().sequenceNr() + 1 : ahead.peekLast().from + batch;
                while (ahead.size() < PAGES_AHEAD && from <= highest) {
                    Page p = new Page(from, highest, batch);
                    Thread.ofVirtual().name("perpetua-replay:" + persistenceId).start(p);
                    ahead.addLast(p);
                    from += batch;
                }
            }
            apply(events, page, progress);
            next = progress.lastSeq + 1;
            if (events.size() < batch && events.getLast().sequenceNr() >= highest) break;
        }
        return new Recovered<>(progress.state, Math.max(progress.lastSeq, highest), snapshotSeq, progress.replayed);
    }

    /** Where a replay is: the state, the last sequence number applied or skipped, and the events applied. */
    private static final class Progress<S> {
        S state;
        long lastSeq;
        long replayed;

        Progress(S state, long lastSeq) {
            this.state = state;
            this.lastSeq = lastSeq;
        }
    }

    /**
     * Decodes (or takes from {@code page}, which decoded them ahead) and applies one page of events.
     * A method of its own, called per page, so that the JIT compiles the per-event loop as a method
     * whose paths every page takes: in one loop with the per-page steps, the branches only the last
     * page takes made the compiled loop be discarded at the end of every long replay, and the next
     * replay of the process ran slower until it was compiled again.
     */
    @SuppressWarnings("unchecked")
    private void apply(List<StoredEvent> events, Page page, Progress<S> progress) {
        S state = progress.state;
        long lastSeq = progress.lastSeq;
        long replayed = progress.replayed;
        // serialized events not read ahead are decoded a claim at a time too; events kept as objects
        // (a memory store) one at a time, as there is nothing to share between them
        Object[] decodedHere = page == null && events.getFirst().payload() instanceof Payload.Serialized
                ? new Object[events.size()] : null;
        int decodedUpTo = 0;
        for (int i = 0, n = events.size(); i < n; i++) {
            StoredEvent stored = events.get(i);
            Object decoded;
            if (page != null) {
                decoded = page.take(i);
            } else if (decodedHere != null) {
                if (i == decodedUpTo) decodedUpTo = decode(events, i, Math.min(n, i + CLAIM), decodedHere);
                decoded = decodedHere[i];
            } else {
                decoded = settings.codec().decodeOrFailure(stored);
            }
            if (decoded instanceof RuntimeException e) {
                poison(stored, "cannot be deserialized", e);
                lastSeq = stored.sequenceNr();
                continue;
            }
            try {
                S nextState = state;
                List<E> current = (List<E>) decoded;
                for (int j = 0, m = current.size(); j < m; j++) {
                    nextState = behaviour.apply(nextState, current.get(j));
                    if (nextState == null) throw new IllegalStateException("apply returned null");
                }
                state = nextState;
            } catch (RuntimeException e) {
                poison(stored, "cannot be applied", e);
            }
            lastSeq = stored.sequenceNr();
            replayed++;
        }
        progress.state = state;
        progress.lastSeq = lastSeq;
        progress.replayed = replayed;
    }

    private List<StoredEvent> read(long from, long highest, int batch) {
        return settings.store().journal().read(persistenceId, from, highest, batch);
    }

    /** The current events of a stored event, or the exception that decoding it threw. */
    /**
     * Decodes {@code events[from, to)} into {@code slots}: each slot the current events of its stored
     * event, or the exception that decoding it threw. Returns {@code to}.
     */
    private int decode(List<StoredEvent> events, int from, int to, Object[] slots) {
        settings.codec().decodeAll(events, from, to, slots);
        return to;
    }

    /** Events decoded at a time: enough to share a parser's setup, few enough that the two threads of a page rarely touch the claims at once. */
    private static final int CLAIM = 32;

    /**
     * A page read ahead on a virtual thread, which then decodes it from its last event backwards
     * while the process thread decodes it from its first event forwards, once it gets there (each
     * claims 32 events at a time; they meet where their speeds put them). So a long replay uses two
     * cores: one reads and decodes ahead, the other decodes and applies. Events are applied in order
     * on the process thread only; event adapters are thread-safe by contract. A read that fails is
     * thrown where the page is needed, as the store threw it.
     */
    /** Pages read (and partly decoded) ahead of the one being applied. */
    private static final int PAGES_AHEAD = 2;

    private final class Page implements Runnable {
        final long from;
        private final long highest;
        private final int batch;
        /** Completed after the slots and claims are set up, so that a taker finds them ready. */
        private final CompletableFuture<List<StoredEvent>> read = new CompletableFuture<>();
        private final CompletableFuture<Void> decodedBehind = new CompletableFuture<>();
        /** The next index the process thread claims (low 32 bits) and one past the last the reader has not claimed (high 32 bits). */
        private final AtomicLong claims = new AtomicLong();
        private Object[] slots; // published by read's completion; slot i by decodedBehind when the reader claimed i
        private int claimedUpTo; // process thread: the events before it that it has claimed

        Page(long from, long highest, int batch) {
            this.from = from;
            this.highest = highest;
            this.batch = batch;
        }

        @Override
        public void run() {
            List<StoredEvent> events;
            try {
                events = read(from, highest, batch);
            } catch (Throwable t) {
                decodedBehind.complete(null);
                read.completeExceptionally(t);
                return;
            }
            slots = new Object[events.size()];
            claims.set((long) events.size() << 32);
            read.complete(events);
            try {
                while (true) {
                    long c = claims.get();
                    int lo = (int) c, hi = (int) (c >>> 32);
                    if (lo >= hi) break;
                    int start = Math.max(lo, hi - CLAIM);
                    if (claims.compareAndSet(c, ((long) start << 32) | lo)) {
                        decode(events, start, hi, slots);
                    }
                }
            } finally {
                decodedBehind.complete(null);
            }
        }

        /** The page, as the store returned it or threw; waits (uninterruptibly: the read is bounded) for the read. */
        List<StoredEvent> events() {
            try {
                return read.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }

        /**
         * The decoded event at {@code i} (called in order from 0, after {@link #events()}): decoded here,
         * a claim at a time, unless the reader claimed it. The slots this thread claims are written and
         * read by this thread only.
         */
        Object take(int i) {
            if (i < claimedUpTo) return slots[i];
            while (true) {
                long c = claims.get();
                int lo = (int) c, hi = (int) (c >>> 32);
                if (i >= hi) break; // the reader has it
                int end = Math.min(hi, lo + CLAIM);
                if (claims.compareAndSet(c, ((long) hi << 32) | end)) {
                    // lo == i: this thread claims from 0 up, in the order it takes
                    claimedUpTo = decode(read.resultNow(), lo, end, slots);
                    return slots[i];
                }
            }
            decodedBehind.join();
            return slots[i];
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
