package io.perpetua.internal;

import io.perpetua.CallTimeoutException;
import io.perpetua.ConcurrencyConflictException;
import io.perpetua.Context;
import io.perpetua.PersistFailedException;
import io.perpetua.PersistRejectedException;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessStoppedException;
import io.perpetua.RecoveryFailedException;
import io.perpetua.Timer;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.WriteResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running process: its virtual thread, mailbox, state and the running phase of its lifecycle
 * (recovery is {@link Recovery}). Messages are handled one at a time in arrival order; while a
 * handler waits in {@code persist}, later messages wait in the mailbox.
 *
 * <p>A persist whose outcome is unknown marks the process failed: after the current message it
 * recovers again from the journal (retrying with backoff while the store is unavailable) before
 * taking the next message, so its state never disagrees with storage.
 */
public final class ProcessInstance<M, S, E> implements ProcessRef<M> {

    private static final Logger log = LoggerFactory.getLogger(ProcessInstance.class);
    private static final int RESTART_ATTEMPTS = 8;

    private sealed interface Msg {}
    private record Call(Object request, CompletableFuture<Object> reply) implements Msg {}
    private record Cast(Object message) implements Msg {}
    private record Info(Object message) implements Msg {}
    private record Stop(CompletableFuture<Void> done) implements Msg {}

    private final String persistenceId;
    private final ProcessSettings<S, E> settings;
    private final PersistentProcess<M, S, E> behaviour;
    private final Duration callTimeout;
    private final Consumer<ProcessInstance<?, ?, ?>> onTerminated;
    private final LinkedBlockingQueue<Msg> mailbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> recovered = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Set<TimerHandle> timers = ConcurrentHashMap.newKeySet();
    private final Ctx ctx = new Ctx();
    private volatile Thread thread;
    private volatile boolean alive = true;
    private volatile boolean stopRequested;
    private volatile String stopReason = "";

    private S state;
    private long lastSeq;
    private long lastSnapshotSeq;

    // per-message state
    private Call currentCall;
    private boolean replied;
    private boolean persistedInMessage;
    private boolean persistFailed;

    public ProcessInstance(String persistenceId, ProcessSettings<S, E> settings, PersistentProcess<M, S, E> behaviour,
            Duration callTimeout, Consumer<ProcessInstance<?, ?, ?>> onTerminated) {
        this.persistenceId = persistenceId;
        this.settings = settings;
        this.behaviour = behaviour;
        this.callTimeout = callTimeout;
        this.onTerminated = onTerminated;
    }

    public String typeName() {
        return settings.typeName();
    }

    /** Starts the process's thread; call once. */
    public void start() {
        thread = Thread.ofVirtual().name("perpetua:" + persistenceId).start(this::run);
    }

    /** Waits until recovery has finished. */
    public void awaitRecovered() {
        try {
            recovered.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new RecoveryFailedException(persistenceId, 0, "recovery of '" + persistenceId + "' failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessStoppedException(persistenceId, "interrupted while waiting for recovery");
        }
    }

    /** Asks the process to stop after its current message; queued messages fail. */
    public void shutdown(String reason) {
        stopReason = reason;
        stopRequested = true;
        mailbox.add(new Stop(null));
    }

    /** Waits up to {@code timeout} for the process to end; returns whether it did. */
    public boolean awaitTermination(Duration timeout) {
        try {
            terminated.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------ ProcessRef

    @Override
    public String persistenceId() {
        return persistenceId;
    }

    @Override
    public <R> R call(M request) {
        return call(request, callTimeout);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> R call(M request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("process '" + persistenceId + "' called itself, which would wait forever; "
                    + "use send() or cast() to message yourself");
        }
        CompletableFuture<Object> reply = new CompletableFuture<>();
        enqueue(new Call(request, reply));
        try {
            return (R) reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CallTimeoutException(persistenceId, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessStoppedException(persistenceId, "the caller was interrupted while waiting for a reply");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException("handler of '" + persistenceId + "' failed: " + cause, cause);
        }
    }

    @Override
    public void cast(M message) {
        enqueue(new Cast(Objects.requireNonNull(message, "message")));
    }

    @Override
    public void send(Object info) {
        enqueue(new Info(Objects.requireNonNull(info, "info")));
    }

    @Override
    public boolean isAlive() {
        return alive;
    }

    @Override
    public void stop() {
        if (!alive) return;
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("a process stops itself with Context.stop(), not ProcessRef.stop()");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            enqueue(new Stop(done));
        } catch (ProcessStoppedException e) {
            return;
        }
        awaitTermination(Duration.ofDays(1));
    }

    private void enqueue(Msg msg) {
        if (!alive) throw new ProcessStoppedException(persistenceId, stopReason);
        mailbox.add(msg);
        if (!alive) failQueued(); // raced with termination: nobody else will take it
    }

    // ------------------------------------------------------------------ the process thread

    private void run() {
        try {
            recover();
        } catch (RuntimeException e) {
            RecoveryFailedException failure = Recovery.asRecoveryFailure(persistenceId, e);
            log.error("process '{}' (type '{}') failed to recover: {}", persistenceId, settings.typeName(),
                    failure.getMessage());
            stopReason = "recovery failed: " + failure.getMessage();
            terminate(); // before the starter hears of it, so that a retried start finds no dead instance
            recovered.completeExceptionally(failure);
            return;
        }
        recovered.complete(null);
        try {
            handle(null, () -> behaviour.onRecovered(ctx));
            while (!stopRequested) {
                Msg msg = mailbox.take();
                switch (msg) {
                    case Stop s -> stopRequested = true;
                    case Call c -> handle(c, () -> behaviour.handleCall(castMessage(c.request()), ctx));
                    case Cast c -> handle(null, () -> behaviour.handleCast(castMessage(c.message()), ctx));
                    case Info i -> handle(null, () -> behaviour.handleInfo(i.message(), ctx));
                }
            }
        } catch (InterruptedException e) {
            stopReason = "interrupted";
        } catch (RecoveryFailedException e) {
            stopReason = "restart failed: " + e.getMessage();
        } finally {
            terminate();
        }
    }

    @SuppressWarnings("unchecked")
    private M castMessage(Object message) {
        return (M) message;
    }

    private void recover() {
        Recovery.Recovered<S> r = new Recovery<>(persistenceId, settings, behaviour).run();
        state = r.state();
        lastSeq = r.sequenceNr();
        lastSnapshotSeq = r.snapshotSequenceNr();
        log.debug("process '{}' recovered at sequence {} ({} events replayed)", persistenceId, lastSeq, r.eventsReplayed());
    }

    private void handle(Call call, Runnable handler) {
        int attempt = 0;
        while (true) {
            try {
                runMessage(handler, call);
                if (call != null && !replied) call.reply().complete(null);
                break;
            } catch (ConcurrencyConflictException conflict) {
                if (attempt < settings.conflictRetries() && !persistedInMessage && !replied && !persistFailed) {
                    attempt++;
                    log.debug("retrying a message to '{}' after a conflict (attempt {})", persistenceId, attempt);
                    continue;
                }
                failMessage(call, conflict);
                break;
            } catch (Throwable t) {
                failMessage(call, t);
                if (t instanceof VirtualMachineError vme) throw vme;
                break;
            }
        }
        if (persistFailed) restartFromJournal();
    }

    private void runMessage(Runnable handler, Call call) {
        currentCall = call;
        replied = false;
        persistedInMessage = false;
        persistFailed = false;
        try {
            handler.run();
        } finally {
            currentCall = null;
        }
    }

    private void failMessage(Call call, Throwable t) {
        Throwable reported = persistFailed && !(t instanceof PersistFailedException)
                ? new PersistFailedException(persistenceId, t) : t;
        if (call != null) {
            if (!call.reply().completeExceptionally(reported)) {
                log.warn("handler of '{}' failed after replying: {}", persistenceId, reported.toString());
            }
        } else {
            log.warn("handler of '{}' (type '{}') failed: {}", persistenceId, settings.typeName(), reported.toString());
        }
    }

    /** After a persist with an unknown outcome: rebuild the state from the journal. */
    private void restartFromJournal() {
        log.warn("process '{}' restarts from the journal after a failed persist", persistenceId);
        long backoff = 50;
        for (int attempt = 1; ; attempt++) {
            try {
                recover();
                persistFailed = false;
                return;
            } catch (RecoveryFailedException e) {
                throw e;
            } catch (RuntimeException e) {
                if (attempt >= RESTART_ATTEMPTS) {
                    throw new RecoveryFailedException(persistenceId, 0, "process '" + persistenceId
                            + "' could not recover after a failed persist: " + e.getMessage(), e);
                }
                log.warn("recovery of '{}' failed (attempt {}), retrying in {} ms: {}", persistenceId, attempt, backoff,
                        e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new RecoveryFailedException(persistenceId, 0, "interrupted during restart", ie);
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void terminate() {
        alive = false;
        for (TimerHandle t : timers) t.cancel();
        failQueued();
        onTerminated.accept(this);
        terminated.complete(null);
    }

    private void failQueued() {
        Msg msg;
        while ((msg = mailbox.poll()) != null) {
            switch (msg) {
                case Call c -> c.reply().completeExceptionally(new ProcessStoppedException(persistenceId, stopReason));
                case Stop s -> {
                    if (s.done() != null) s.done().complete(null);
                }
                default -> {}
            }
        }
    }

    // ------------------------------------------------------------------ persisting

    private void doPersist(List<? extends E> events) {
        checkThread();
        Objects.requireNonNull(events, "events");
        if (persistFailed) {
            throw new PersistFailedException(persistenceId, new IllegalStateException(
                    "an earlier persist in this message failed; the process restarts after this message"));
        }
        if (events.isEmpty()) return;
        List<EventData> data = new ArrayList<>(events.size());
        Instant now = Instant.now();
        for (int i = 0; i < events.size(); i++) {
            E event = events.get(i);
            if (event == null) {
                throw new PersistRejectedException(persistenceId, events.size() == 1 ? "the event is null"
                        : "event " + (i + 1) + " of " + events.size() + " is null; nothing was written", null);
            }
            Set<String> tags;
            Payload payload;
            try {
                tags = settings.tagger().apply(state, event);
            } catch (RuntimeException e) {
                throw new PersistRejectedException(persistenceId, "the tagger failed on " + event.getClass().getName()
                        + ": " + e, e);
            }
            try {
                payload = Codec.encode(settings.serializer(), event);
            } catch (RuntimeException e) {
                throw new PersistRejectedException(persistenceId, "cannot serialize event of type "
                        + event.getClass().getName() + ": " + e.getMessage(), e);
            }
            try {
                data.add(new EventData(payload, tags, now));
            } catch (IllegalArgumentException e) {
                throw new PersistRejectedException(persistenceId, e.getMessage() + " (event " + event.getClass().getName()
                        + ")", e);
            }
        }
        long expected = lastSeq;
        WriteResult result;
        try {
            result = settings.writer().write(new AtomicWrite(persistenceId, ExpectedSequence.exactly(expected), data),
                    events);
        } catch (RuntimeException e) {
            persistFailed = true;
            throw new PersistFailedException(persistenceId, e);
        }
        switch (result) {
            case WriteResult.Written w -> applyWritten(events, w);
            case WriteResult.Rejected r -> throw new PersistRejectedException(persistenceId, r.reason(), null);
            case WriteResult.Conflict c -> {
                catchUp();
                throw new ConcurrencyConflictException(persistenceId, expected, c.actual());
            }
        }
    }

    private void applyWritten(List<? extends E> events, WriteResult.Written w) {
        persistedInMessage = true;
        for (int i = 0; i < events.size(); i++) {
            try {
                S next = behaviour.apply(state, events.get(i));
                if (next == null) throw new IllegalStateException("apply returned null");
                state = next;
            } catch (RuntimeException e) {
                // The event is durable but the state cannot follow it: memory would disagree with storage.
                persistFailed = true;
                throw new PersistFailedException(persistenceId, new IllegalStateException("apply of persisted event "
                        + (w.firstSequenceNr() + i) + " (" + events.get(i).getClass().getName() + ") threw: " + e, e));
            }
            lastSeq = w.firstSequenceNr() + i;
        }
        if (settings.snapshotEvery() > 0 && lastSeq - lastSnapshotSeq >= settings.snapshotEvery()) takeSnapshot();
        for (E event : events) behaviour.onPersisted(event, ctx);
    }

    /**
     * After a conflict: load and apply the events another writer appended. If that writer deleted
     * some of them behind a newer snapshot, recover from its snapshot instead.
     */
    private void catchUp() {
        try {
            Recovery<S, E> recovery = new Recovery<>(persistenceId, settings, behaviour);
            Recovery.Recovered<S> r;
            try {
                r = recovery.replay(state, lastSeq, lastSnapshotSeq);
            } catch (Recovery.EventsMissing e) {
                r = recovery.run();
                lastSnapshotSeq = r.snapshotSequenceNr();
            }
            state = r.state();
            lastSeq = r.sequenceNr();
        } catch (RuntimeException e) {
            persistFailed = true;
            throw new PersistFailedException(persistenceId, e);
        }
    }

    // ------------------------------------------------------------------ snapshots

    private void takeSnapshot() {
        long seq = lastSeq;
        try {
            Payload payload = Codec.encode(settings.serializer(), state);
            settings.store().snapshots().save(new SnapshotRecord(persistenceId, seq, Instant.now(), payload));
            lastSnapshotSeq = seq;
        } catch (RuntimeException e) {
            log.warn("snapshot of '{}' at sequence {} failed; the process goes on without it: {}", persistenceId, seq,
                    e.toString());
            return;
        }
        try {
            applyRetention(seq);
        } catch (RuntimeException e) {
            log.warn("snapshot retention of '{}' failed; older snapshots stay: {}", persistenceId, e.toString());
        }
    }

    /** Keeps the newest {@code snapshotRetention} snapshots; optionally deletes events the oldest kept one covers. */
    private void applyRetention(long newest) {
        long oldestKept = newest;
        for (int kept = 1; kept < settings.snapshotRetention() && oldestKept > 0; kept++) {
            Optional<SnapshotRecord> older = settings.store().snapshots().loadLatest(persistenceId,
                    SnapshotCriteria.upTo(oldestKept - 1));
            if (older.isEmpty()) break;
            oldestKept = older.get().sequenceNr();
        }
        if (oldestKept > 0) settings.store().snapshots().delete(persistenceId, SnapshotCriteria.upTo(oldestKept - 1));
        if (settings.deleteEventsOnSnapshot() && oldestKept > 0) {
            settings.store().journal().deleteUpTo(persistenceId, oldestKept);
        }
    }

    private void checkThread() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("the context of process '" + persistenceId
                    + "' may only be used on the process's own thread, while a handler runs");
        }
    }

    // ------------------------------------------------------------------ the context

    private final class Ctx implements Context<S, E> {
        @Override
        public String persistenceId() {
            return persistenceId;
        }

        @Override
        public S state() {
            return state;
        }

        @Override
        public long lastSequenceNr() {
            return lastSeq;
        }

        @Override
        public void persist(E event) {
            if (event == null) {
                checkThread();
                throw new PersistRejectedException(persistenceId, "the event is null", null);
            }
            doPersist(List.of(event));
        }

        @Override
        public void persistAll(List<? extends E> events) {
            doPersist(events);
        }

        @Override
        public void reply(Object value) {
            checkThread();
            Call call = currentCall;
            if (call == null) return;
            if (replied) throw new IllegalStateException("process '" + persistenceId + "' replied twice to one call");
            replied = true;
            call.reply().complete(value);
        }

        @Override
        public Timer sendAfter(Duration delay, Object message) {
            checkThread();
            Objects.requireNonNull(delay, "delay");
            Objects.requireNonNull(message, "message");
            TimerHandle handle = new TimerHandle(message);
            timers.add(handle);
            handle.future = settings.timers().schedule(handle::fire, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return handle;
        }

        @Override
        public void saveSnapshot() {
            checkThread();
            takeSnapshot();
        }

        @Override
        public void stop() {
            checkThread();
            stopReason = "it stopped itself";
            stopRequested = true;
        }
    }

    private final class TimerHandle implements Timer {
        private final Object message;
        volatile ScheduledFuture<?> future;
        private volatile boolean done;

        TimerHandle(Object message) {
            this.message = message;
        }

        void fire() {
            if (done) return;
            done = true;
            timers.remove(this);
            if (alive) {
                mailbox.add(new Info(message));
                if (!alive) failQueued();
            }
        }

        @Override
        public boolean cancel() {
            if (done) return false;
            done = true;
            timers.remove(this);
            ScheduledFuture<?> f = future;
            if (f != null) f.cancel(false);
            return true;
        }
    }
}
