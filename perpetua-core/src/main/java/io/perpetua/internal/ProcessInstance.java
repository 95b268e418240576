package io.perpetua.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.perpetua.CallTimeoutException;
import io.perpetua.ConcurrencyConflictException;
import io.perpetua.Context;
import io.perpetua.DeadLetter;
import io.perpetua.MailboxFullException;
import io.perpetua.MailboxOverflow;
import io.perpetua.PoisonMessageException;
import io.perpetua.RestartPolicy;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
    // sender: the tracing context where the message was sent (null when not tracing)
    private record Call(Object request, CompletableFuture<Object> reply, io.opentelemetry.context.Context sender) implements Msg {}
    private record Cast(Object message, io.opentelemetry.context.Context sender) implements Msg {}
    private record Info(Object message, io.opentelemetry.context.Context sender) implements Msg {}
    private record Tick(Object message) implements Msg {} // from a timer: not counted against the mailbox limit
    /** @param normal whether this is a normal stop ({@link #stop()}), not a shutdown of the runtime */
    private record Stop(CompletableFuture<Void> done, boolean normal) implements Msg {}
    private record Passivate() implements Msg {}

    /** What {@link #tryCall} returns when this incarnation no longer accepts messages. */
    public static final Object NOT_ACCEPTED = new Object();

    private final String persistenceId;
    private final ProcessSettings<S, E> settings;
    private final PersistentProcess<M, S, E> behaviour;
    private final Duration callTimeout;
    private final Consumer<ProcessInstance<?, ?, ?>> onTerminated;
    private final Mailbox<Msg> mailbox = new Mailbox<>();
    private final CompletableFuture<Void> recovered = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Set<TimerHandle> timers = ConcurrentHashMap.newKeySet();
    private final Ctx ctx = new Ctx();
    private volatile Thread thread;
    private volatile boolean alive = true;
    private volatile boolean stopRequested;
    private volatile boolean shutdownRequested;
    private volatile String stopReason = "";

    private final LifecycleOptions lifecycle;
    private final boolean durable;
    private final ReentrantLock gate = new ReentrantLock();
    private final Condition notFull = gate.newCondition();
    private boolean accepting = true; // guarded by gate
    private int queued; // guarded by gate; messages from senders waiting, counted only with a mailbox limit
    private volatile long lastActivity = System.nanoTime();
    private boolean stoppedNormally; // process thread: ref.stop() or ctx.stop()
    private boolean selfStopped; // process thread: ctx.stop()
    private boolean passivated; // process thread
    private int consecutiveCrashes; // process thread
    private Span handlingSpan; // process thread; null unless tracing

    private S state;
    private long lastSeq;
    private long lastSnapshotSeq;

    // per-message state
    private Call currentCall;
    private boolean replied;
    private boolean persistedInMessage;
    private boolean persistFailed;

    public ProcessInstance(String persistenceId, ProcessSettings<S, E> settings, PersistentProcess<M, S, E> behaviour,
            Duration callTimeout, Consumer<ProcessInstance<?, ?, ?>> onTerminated, LifecycleOptions lifecycle) {
        this.lifecycle = lifecycle;
        this.durable = behaviour instanceof DurableStateBehaviour;
        this.persistenceId = persistenceId;
        this.settings = settings;
        this.behaviour = behaviour;
        this.callTimeout = callTimeout;
        this.onTerminated = onTerminated;
    }

    /** The runtime's default call timeout. */
    public Duration callTimeout() {
        return callTimeout;
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
        shutdownRequested = true;
        stopRequested = true;
        offerControl(new Stop(null, false));
    }

    /** Asks the process to passivate once its mailbox is empty; used to enforce the runtime's cap on live processes. */
    public void requestPassivation() {
        offerControl(new Passivate());
    }

    /** Number of messages waiting in the mailbox (approximate; O(n), for metrics). */
    int mailboxSize() {
        return mailbox.size();
    }

    /** When the process last received a message or was started, as {@link System#nanoTime()}. */
    public long lastActivity() {
        return lastActivity;
    }

    /** Whether the process has ended and left the registry. */
    public boolean isTerminated() {
        return terminated.isDone();
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
        Object result = tryCall(request, timeout);
        if (result == NOT_ACCEPTED) throw new ProcessStoppedException(persistenceId, stopReason);
        return (R) result;
    }

    /**
     * {@link #call(Object, Duration)}, but returns {@link #NOT_ACCEPTED} instead of throwing when this
     * incarnation no longer accepts messages (it stopped or is passivating), so that a symbolic
     * reference can deliver the call to the next incarnation.
     */
    public Object tryCall(Object request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("process '" + persistenceId + "' called itself, which would wait forever; "
                    + "use send() or cast() to message yourself");
        }
        // the reply fails with CallTimeoutException when its time is up (AskTimeouts), so the caller
        // parks without a timer of its own: a timed park costs a scheduled task per call
        CompletableFuture<Object> reply = tryAsk(request, timeout);
        if (reply == null) return NOT_ACCEPTED;
        try {
            return reply.get();
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
    public <R> CompletionStage<R> ask(M request) {
        return ask(request, callTimeout);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletionStage<R> ask(M request, Duration timeout) {
        CompletableFuture<Object> reply = tryAsk(request, timeout);
        if (reply == null) throw new ProcessStoppedException(persistenceId, stopReason);
        return (CompletionStage<R>) reply;
    }

    /**
     * {@link #ask(Object, Duration)}, but returns null instead of throwing when this incarnation no
     * longer accepts messages, so that a symbolic reference can deliver the call to the next one.
     */
    public CompletableFuture<Object> tryAsk(Object request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        long now = System.nanoTime();
        long deadline = now + timeout.toNanos();
        CompletableFuture<Object> reply = settings.askTimeouts().newReply(persistenceId, timeout, deadline);
        // a call not accepted is dropped from the timeouts at the next sweep (completed here)
        boolean accepted = false;
        try {
            accepted = offer(new Call(request, reply, sender()), now, deadline, timeout);
        } finally {
            if (!accepted) reply.cancel(false);
        }
        return accepted ? reply : null;
    }

    @Override
    public void cast(M message) {
        enqueue(new Cast(Objects.requireNonNull(message, "message"), sender()));
    }

    @Override
    public void send(Object info) {
        enqueue(new Info(Objects.requireNonNull(info, "info"), sender()));
    }

    /** {@link #cast}, returning false instead of throwing when this incarnation no longer accepts messages. */
    public boolean tryCast(Object message) {
        return offer(new Cast(Objects.requireNonNull(message, "message"), sender()), System.nanoTime(), Long.MAX_VALUE, null);
    }

    /** {@link #send}, returning false instead of throwing when this incarnation no longer accepts messages. */
    public boolean trySend(Object info) {
        return offer(new Info(Objects.requireNonNull(info, "info"), sender()), System.nanoTime(), Long.MAX_VALUE, null);
    }

    /** The sender's tracing context, for the handling span's parent; null when not tracing. */
    private io.opentelemetry.context.Context sender() {
        return settings.telemetry().tracing() ? io.opentelemetry.context.Context.current() : null;
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
        gate.lock();
        try {
            if (accepting) { // otherwise it is stopping or passivating already: wait for that
                mailbox.add(new Stop(done, true));
                accepting = false; // later messages through a symbolic reference go to the next incarnation
                notFull.signalAll();
            }
        } finally {
            gate.unlock();
        }
        awaitTermination(Duration.ofDays(1));
    }

    private void enqueue(Msg msg) {
        if (!offer(msg, System.nanoTime(), Long.MAX_VALUE, null)) {
            throw new ProcessStoppedException(persistenceId, stopReason);
        }
    }

    /**
     * Puts a sender's message in the mailbox, applying the mailbox limit; false if this incarnation no
     * longer accepts messages. Under {@link #gate}, so that no message slips in after the mailbox
     * closed (on termination or passivation).
     *
     * @param now {@link System#nanoTime()} at the send (read once per ask for both uses)
     * @param deadline for a call waiting for room ({@link System#nanoTime()}); {@code Long.MAX_VALUE}: no limit
     * @param timeout the call's timeout, for the error; null for a cast or send
     */
    private boolean offer(Msg msg, long now, long deadline, Duration timeout) {
        gate.lock();
        try {
            if (!accepting) return false;
            int limit = lifecycle.mailboxLimit();
            if (limit > 0) {
                while (queued >= limit) {
                    if (lifecycle.overflow() == MailboxOverflow.FAIL) throw new MailboxFullException(persistenceId, limit);
                    long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (left <= 0) throw new CallTimeoutException(persistenceId, timeout);
                    try {
                        if (left == Long.MAX_VALUE) notFull.await(); else notFull.awaitNanos(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ProcessStoppedException(persistenceId, "the sender was interrupted while waiting for room");
                    }
                    if (!accepting) return false;
                    now = System.nanoTime();
                }
                queued++;
            }
            lastActivity = now;
            mailbox.add(msg);
            return true;
        } finally {
            gate.unlock();
        }
    }

    /** Puts a message from the runtime or a timer in the mailbox, whatever the limit; false if it no longer accepts any. */
    private boolean offerControl(Msg msg) {
        gate.lock();
        try {
            if (!accepting) return false;
            mailbox.add(msg);
            return true;
        } finally {
            gate.unlock();
        }
    }

    /** The next message, or null when the process has been idle for its passivation timeout. */
    private Msg nextMessage() throws InterruptedException {
        Duration idle = lifecycle.passivateAfter();
        Msg msg = idle == null ? mailbox.take() : mailbox.poll(Math.min(idle.toNanos(), Long.MAX_VALUE - 1));
        if (msg != null && lifecycle.mailboxLimit() > 0 && !(msg instanceof Stop) && !(msg instanceof Passivate)) {
            gate.lock();
            try {
                if (queued > 0) queued--;
                notFull.signal();
            } finally {
                gate.unlock();
            }
        }
        return msg;
    }

    /** Closes the mailbox if it is empty; returns whether it did (the process then passivates). */
    private boolean closeIfIdle() {
        gate.lock();
        try {
            if (!mailbox.isEmpty()) return false;
            accepting = false;
            notFull.signalAll();
            return true;
        } finally {
            gate.unlock();
        }
    }

    private void closeMailbox() {
        gate.lock();
        try {
            accepting = false;
            notFull.signalAll();
        } finally {
            gate.unlock();
        }
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
            handle(null, "onRecovered", null, () -> behaviour.onRecovered(ctx));
            while (true) {
                runMailbox();
                if (!selfStopped || shutdownRequested || lifecycle.restartPolicy() != RestartPolicy.PERMANENT) break;
                log.debug("process '{}' (type '{}') stopped itself and restarts (permanent)", persistenceId,
                        settings.typeName());
                if (lifecycle.eraseOnStop()) erase();
                stopRequested = false;
                selfStopped = false;
                stoppedNormally = false;
                recover();
                handle(null, "onRecovered", null, () -> behaviour.onRecovered(ctx));
            }
        } catch (InterruptedException e) {
            stopReason = "interrupted";
        } catch (RecoveryFailedException e) {
            stopReason = "restart failed: " + e.getMessage();
        } catch (Crashed e) {
            stopReason = "it crashed: " + e.getCause();
        } finally {
            if (stoppedNormally && lifecycle.eraseOnStop()) erase();
            terminate();
        }
    }

    /** Handles messages until the process stops or passivates. */
    private void runMailbox() throws InterruptedException {
        while (!stopRequested) {
            Msg msg = nextMessage();
            if (msg == null || msg instanceof Passivate) {
                if (closeIfIdle()) {
                    passivated = true;
                    stopReason = "it was passivated";
                    stopRequested = true;
                    log.debug("process '{}' passivated", persistenceId);
                }
                continue;
            }
            switch (msg) {
                case Stop s -> {
                    stopRequested = true;
                    if (s.normal()) stoppedNormally = true;
                }
                case Call c -> handle(c, c.request(), c.sender(), () -> behaviour.handleCall(castMessage(c.request()), ctx));
                case Cast c -> handle(null, c.message(), c.sender(), () -> behaviour.handleCast(castMessage(c.message()), ctx));
                case Info i -> handle(null, i.message(), i.sender(), () -> behaviour.handleInfo(i.message(), ctx));
                case Tick t -> handle(null, t.message(), null, () -> behaviour.handleInfo(t.message(), ctx));
                case Passivate p -> throw new AssertionError("handled above");
            }
        }
    }

    /** Ends the process after a crash that its restart policy does not restart. */
    private static final class Crashed extends RuntimeException {
        Crashed(Throwable cause) {
            super(cause);
        }
    }

    /**
     * Deletes the process's events, snapshots and durable state (erase on normal stop). As the journal
     * keeps the highest sequence number of a process, an event-sourced process is left with one
     * snapshot: its initial state at that number, from which the next incarnation starts.
     */
    private void erase() {
        try {
            if (durable) {
                settings.store().durableState().delete(persistenceId);
            } else {
                long highest = settings.store().journal().highestSequenceNr(persistenceId);
                settings.store().journal().deleteUpTo(persistenceId, Long.MAX_VALUE);
                settings.store().snapshots().delete(persistenceId, SnapshotCriteria.latest());
                if (highest > 0) {
                    // the journal keeps its highest number: mark that recovery starts afresh from there
                    settings.store().snapshots().save(new SnapshotRecord(persistenceId, highest, Instant.now(),
                            settings.codec().encodeSnapshot(behaviour.initialState())));
                }
            }
            log.debug("process '{}' erased its data on a normal stop", persistenceId);
        } catch (RuntimeException e) {
            log.warn("process '{}' could not erase its data on stop; the data stays: {}", persistenceId, e.toString());
        }
    }

    @SuppressWarnings("unchecked")
    private M castMessage(Object message) {
        return (M) message;
    }

    private void recover() {
        Telemetry.ForType.Recovering recovering = settings.telemetry().startRecovery(persistenceId);
        long replayed;
        try {
            replayed = recoverState();
        } catch (RuntimeException | Error e) {
            recovering.failed(e);
            throw e;
        }
        recovering.recovered(lastSeq, replayed);
    }

    /** Rebuilds the state from the store; returns the number of events replayed. */
    @SuppressWarnings("unchecked")
    private long recoverState() {
        if (durable) {
            Recovery.Recovered<S> loaded = ((DurableStateBehaviour<?, S>) behaviour).load(persistenceId, settings);
            state = loaded.state();
            lastSeq = loaded.sequenceNr();
            lastSnapshotSeq = 0;
            return 0;
        }
        Recovery.Recovered<S> r = new Recovery<>(persistenceId, settings, behaviour).run();
        state = r.state();
        lastSeq = r.sequenceNr();
        lastSnapshotSeq = r.snapshotSequenceNr();
        log.debug("process '{}' recovered at sequence {} ({} events replayed)", persistenceId, lastSeq, r.eventsReplayed());
        return r.eventsReplayed();
    }

    /**
     * Handles one message, in a span when tracing: a child of the span current where the message was
     * sent ({@code sender}, if any), and current while the handler runs, so that its spans nest.
     */
    private void handle(Call call, Object message, io.opentelemetry.context.Context sender, Runnable handler) {
        Telemetry.ForType telemetry = settings.telemetry();
        if (!telemetry.tracing()) {
            handleMessage(call, message, handler);
            return;
        }
        Span span = telemetry.startHandling(persistenceId, message, sender);
        handlingSpan = span;
        try (Scope ignored = span.makeCurrent()) {
            handleMessage(call, message, handler);
        } catch (Crashed e) {
            throw e; // recorded by restartAfterCrash
        } catch (RuntimeException | Error e) {
            Telemetry.failed(span, e);
            throw e;
        } finally {
            handlingSpan = null;
            span.end();
        }
    }

    private void handleMessage(Call call, Object message, Runnable handler) {
        int attempt = 0;
        int crashes = 0;
        while (true) {
            try {
                runMessage(handler, call);
                if (call != null && !replied) call.reply().complete(null);
                consecutiveCrashes = 0;
                break;
            } catch (ConcurrencyConflictException conflict) {
                if (attempt < settings.conflictRetries() && !persistedInMessage && !replied && !persistFailed) {
                    attempt++;
                    log.debug("retrying a message to '{}' after a conflict (attempt {})", persistenceId, attempt);
                    continue;
                }
                failMessage(call, conflict);
                break;
            } catch (Error crash) {
                crashes++;
                if (!restartAfterCrash(call, message, crash, crashes)) break;
            } catch (Throwable t) {
                failMessage(call, t);
                break;
            }
        }
        if (persistFailed) restartFromJournal();
    }

    /**
     * A handler threw an {@link Error}: the in-memory state is not trusted. Under a restarting policy
     * the process recovers (after a backoff) and the message is tried again, unless it has crashed
     * the process {@code messageAttempts} times: then it goes to the dead letters and its caller gets
     * a {@link PoisonMessageException}. Returns whether to try the message again.
     */
    private boolean restartAfterCrash(Call call, Object message, Error crash, int crashes) {
        Telemetry.failed(handlingSpan, crash);
        log.error("process '{}' (type '{}') crashed on {} (attempt {}): {}", persistenceId, settings.typeName(),
                describe(message), crashes, crash.toString());
        if (lifecycle.restartPolicy() == RestartPolicy.TEMPORARY) {
            ProcessStoppedException stopped = new ProcessStoppedException(persistenceId, "it crashed: " + crash, crash);
            if (call != null) call.reply().completeExceptionally(stopped);
            throw new Crashed(crash);
        }
        boolean giveUp = crashes >= lifecycle.messageAttempts();
        if (giveUp) {
            PoisonMessageException poison = new PoisonMessageException(persistenceId, crashes, crash);
            settings.deadLetters().accept(new DeadLetter(persistenceId, lastSeq, "message " + describe(message),
                    poison.getMessage(), Optional.ofNullable(message)));
            if (call != null) call.reply().completeExceptionally(poison);
        }
        restartAfterBackoff();
        return !giveUp;
    }

    private static String describe(Object message) {
        return message == null ? "(none)" : message.getClass().getName();
    }

    private void restartAfterBackoff() {
        consecutiveCrashes++;
        long first = lifecycle.restartBackoff().toNanos();
        long delay = Math.min(lifecycle.maxRestartBackoff().toNanos(),
                first << Math.min(20, consecutiveCrashes - 1));
        try {
            Thread.sleep(Duration.ofNanos(Math.max(0, delay)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Crashed(e);
        }
        persistFailed = true; // recover from storage, with retries while it cannot be read
        restartFromJournal();
        try {
            runMessage(() -> behaviour.onRecovered(ctx), null);
        } catch (RuntimeException | Error e) {
            log.warn("onRecovered of '{}' failed after a restart: {}", persistenceId, e.toString());
        }
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
        Telemetry.failed(handlingSpan, reported);
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
        closeMailbox();
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
                EventCodec.Encoded encoded = settings.codec().encode(event);
                payload = encoded.payload();
                if (!encoded.tags().isEmpty()) tags = union(tags, encoded.tags());
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
        long started = settings.telemetry().persistStarted();
        try {
            result = settings.writer().write(new AtomicWrite(persistenceId, ExpectedSequence.exactly(expected), data),
                    events);
            settings.telemetry().persisted(started);
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

    private static Set<String> union(Set<String> a, Set<String> b) {
        if (a == null || a.isEmpty()) return b;
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
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
            Payload payload = settings.codec().encodeSnapshot(state);
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

    private final class Ctx implements Context<S, E>, DurableStateBehaviour.StateWriter<S> {
        @Override
        @SuppressWarnings("unchecked")
        public void storeState(S next) {
            checkThread();
            if (persistFailed) {
                throw new PersistFailedException(persistenceId, new IllegalStateException(
                        "an earlier write in this message failed; the process restarts after this message"));
            }
            Payload payload;
            try {
                payload = Codec.encode(settings.serializer(), ((DurableStateBehaviour<?, S>) behaviour).stored(next));
            } catch (RuntimeException e) {
                throw new PersistRejectedException(persistenceId, "cannot serialize state of type "
                        + next.getClass().getName() + ": " + e.getMessage(), e);
            }
            boolean written;
            try {
                written = settings.store().durableState().upsert(persistenceId, lastSeq, payload);
            } catch (IllegalArgumentException e) {
                throw new PersistRejectedException(persistenceId, e.getMessage(), e);
            } catch (RuntimeException e) {
                persistFailed = true;
                throw new PersistFailedException(persistenceId, e);
            }
            if (!written) {
                long expected = lastSeq;
                try {
                    recover();
                } catch (RuntimeException e) {
                    persistFailed = true;
                    throw new PersistFailedException(persistenceId, e);
                }
                throw new ConcurrencyConflictException(persistenceId, expected, lastSeq);
            }
            state = next;
            lastSeq++;
            persistedInMessage = true;
        }

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
            selfStopped = true;
            stoppedNormally = true;
            stopRequested = true;
            // refuse later messages now, before this message's reply, unless the process restarts
            if (lifecycle.restartPolicy() != RestartPolicy.PERMANENT) closeMailbox();
        }
    }

    private final class TimerHandle implements Timer {
        private final Object message;
        volatile ScheduledFuture<?> future;
        /** Set once, by whichever of firing and cancelling comes first: the other then does nothing. */
        private final AtomicBoolean done = new AtomicBoolean();

        TimerHandle(Object message) {
            this.message = message;
        }

        void fire() {
            if (!done.compareAndSet(false, true)) return;
            timers.remove(this);
            offerControl(new Tick(message));
        }

        @Override
        public boolean cancel() {
            if (!done.compareAndSet(false, true)) return false;
            timers.remove(this);
            ScheduledFuture<?> f = future;
            if (f != null) f.cancel(false);
            return true;
        }
    }
}
