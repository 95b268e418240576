package io.perpetua.internal;

import io.perpetua.CallTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The timeouts of outstanding {@link io.perpetua.ProcessRef#ask asks} of one runtime. Instead of one
 * scheduled task per ask (a lock, a heap insert and a removal: about a tenth of the CPU of a persist
 * on the memory store), an ask pushes its reply on a lock-free stack (one compare-and-set; the reply
 * is its own node), striped by the asking thread so that askers on different cores rarely meet. Every
 * {@link #SWEEP_MILLIS} ms the runtime's timer thread takes every stack at once, forgets the replies
 * that completed, fails those past their deadline with {@link CallTimeoutException}, and keeps the
 * rest for the next sweep.
 *
 * <p>Not promised: a timeout fires up to {@link #SWEEP_MILLIS} ms late (never early). A sweep costs
 * time in proportion to the asks made since the last one plus those still outstanding.
 */
public final class AskTimeouts {

    static final long SWEEP_MILLIS = 10;
    private static final int STRIPES = 16; // a power of two

    private final ScheduledExecutorService timers;
    private final AtomicReferenceArray<Reply> pushed = new AtomicReferenceArray<>(STRIPES);
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Every how many sweeps the survivors are walked even when none can be late (to drop completed ones). */
    static final int SURVIVOR_SWEEPS = 5;

    // timer thread only: the replies outstanding when last walked, linked by next; the earliest deadline
    // among them; sweeps since they were walked
    private Reply survivors;
    private long survivorsDue;
    private int sweepsSinceSurvivors;

    public AskTimeouts(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    /**
     * A new reply that fails with {@link CallTimeoutException} once {@code deadline} ({@link
     * System#nanoTime()}, the ask's start plus {@code timeout}) has passed.
     */
    CompletableFuture<Object> newReply(String persistenceId, Duration timeout, long deadline) {
        Reply reply = new Reply(persistenceId, timeout, deadline);
        int stripe = (int) Thread.currentThread().threadId() & (STRIPES - 1);
        Reply head;
        do {
            head = pushed.get(stripe);
            reply.next = head;
        } while (!pushed.compareAndSet(stripe, head, reply));
        if (!sweeping.get() && sweeping.compareAndSet(false, true)) {
            try {
                timers.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                sweeping.set(false); // the runtime is closed: the process refuses the call, nothing waits
            }
        }
        return reply;
    }

    /**
     * Walks the replies pushed since the last sweep, and the survivors of earlier sweeps only when
     * one of them may be past its deadline or every {@link #SURVIVOR_SWEEPS} sweeps: with many asks
     * outstanding (each waiting for a durable write, say), walking all of them every sweep cost more
     * than the new ones.
     */
    private void sweep() {
        long now = System.nanoTime();
        Reply kept = null;
        Reply keptSurvivors = null;
        if (survivors != null && (now - survivorsDue >= 0 || ++sweepsSinceSurvivors >= SURVIVOR_SWEEPS)) {
            kept = sweep(survivors, null, now);
            survivors = null;
            sweepsSinceSurvivors = 0;
        } else {
            keptSurvivors = survivors; // untouched: none is late yet
        }
        for (int i = 0; i < STRIPES; i++) {
            if (pushed.get(i) != null) kept = sweep(pushed.getAndSet(i, null), kept, now);
        }
        // the walked ones (their earliest deadline is known) join the untouched chain
        long due = keptSurvivors == null ? Long.MAX_VALUE : survivorsDue;
        boolean any = keptSurvivors != null;
        for (Reply r = kept, next; r != null; r = next) {
            next = r.next;
            if (!any || r.deadline - due < 0) due = r.deadline;
            any = true;
            r.next = keptSurvivors;
            keptSurvivors = r;
        }
        survivors = keptSurvivors;
        survivorsDue = due;
    }

    /** Walks a detached chain; returns {@code kept} with the chain's outstanding replies pushed on it. */
    private static Reply sweep(Reply chain, Reply kept, long now) {
        for (Reply r = chain, next; r != null; r = next) {
            next = r.next;
            if (r.isDone()) {
                r.next = null;
            } else if (now - r.deadline >= 0) {
                r.next = null;
                // on a virtual thread: dependent stages of the reply run there, never on the timer thread
                Reply late = r;
                Thread.startVirtualThread(() -> late.completeExceptionally(
                        new CallTimeoutException(late.persistenceId, late.timeout)));
            } else {
                r.next = kept;
                kept = r;
            }
        }
        return kept;
    }

    private static final class Reply extends CompletableFuture<Object> {
        final String persistenceId;
        final Duration timeout;
        final long deadline;
        Reply next; // written before the push's compare-and-set, then only by the timer thread

        Reply(String persistenceId, Duration timeout, long deadline) {
            this.persistenceId = persistenceId;
            this.timeout = timeout;
            this.deadline = deadline;
        }
    }
}
