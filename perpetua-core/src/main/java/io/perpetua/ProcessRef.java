package io.perpetua;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A reference to a process. Thread-safe; messages from one sender arrive in the order sent.
 *
 * <p>Two kinds: {@link Perpetua#ref} gives a symbolic reference, which starts (recovers) the process
 * on each message that finds it not running, so it survives passivation, stops and crashes;
 * {@link Perpetua#start} gives a handle to one incarnation, which refuses messages with
 * {@link ProcessStoppedException} once that incarnation has stopped for any reason.
 *
 * @param <M> the type of calls and casts the process accepts
 */
public interface ProcessRef<M> {

    String persistenceId();

    /**
     * Sends a call and waits for its reply, up to the runtime's call timeout. For a pure-form process
     * the reply is the state after the command.
     *
     * @throws ProcessStoppedException if the process is stopped or stops before handling the call
     * @throws CallTimeoutException if no reply comes in time
     * @throws RuntimeException whatever the handler threw (for example the pure form's rejection)
     */
    <R> R call(M request);

    /** {@link #call(Object)} with its own timeout. */
    <R> R call(M request, Duration timeout);

    /**
     * Sends a call without waiting for its reply: the returned stage completes with the reply, or
     * exceptionally as {@link #call} would throw ({@link ProcessStoppedException},
     * {@link CallTimeoutException} after the runtime's call timeout, or what the handler threw). The
     * call is in the mailbox when this returns, so calls and casts from one sender keep their order.
     *
     * <p>Dependent stages added without an executor may run on the process's thread when the reply
     * arrives: keep them short and non-blocking (a call to another process from there is fine with
     * {@code ask}, not with {@code call}), or use the {@code *Async} variants. Like {@link #call},
     * this waits for room while a limited mailbox is full ({@link MailboxOverflow#WAIT}), and on a
     * symbolic reference it may wait for a passivating incarnation to finish before the next takes
     * the call. A process may ask itself: the reply comes after the current message.
     */
    <R> CompletionStage<R> ask(M request);

    /** {@link #ask(Object)} with its own timeout. */
    <R> CompletionStage<R> ask(M request, Duration timeout);

    /** Sends a message without waiting; a failure of its handler is logged. */
    void cast(M message);

    /** Sends an info message to {@link PersistentProcess#handleInfo}. */
    void send(Object info);

    /** Whether the process is running now (for a symbolic reference: whether it is live at the moment). */
    boolean isAlive();

    /**
     * Stops the process after the messages already in its mailbox and waits until it has stopped;
     * messages sent after this call are refused by this incarnation. A normal stop: the restart
     * policy does not restart it, and {@link ProcessType#withEraseOnStop} applies. Does nothing if it
     * is stopped already.
     */
    void stop();
}
