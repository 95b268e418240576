package io.perpetua.internal;

import io.perpetua.MailboxOverflow;
import io.perpetua.RestartPolicy;
import java.time.Duration;

/**
 * The lifecycle options of a process type: passivation, restarts, erasure on stop and the mailbox.
 *
 * @param passivateAfter idle time after which a process passivates; null: never
 * @param restartPolicy what happens after a crash or a self-stop
 * @param restartBackoff the first delay before a restart; doubled after each consecutive crash
 * @param maxRestartBackoff the longest delay before a restart
 * @param messageAttempts how many crashes one message may cause before it goes to the dead letters
 * @param eraseOnStop whether a normal stop deletes the process's journal, snapshots and durable state
 * @param mailboxLimit most messages waiting in the mailbox; 0: unbounded
 * @param overflow what a sender meets at the limit
 */
public record LifecycleOptions(
        Duration passivateAfter,
        RestartPolicy restartPolicy,
        Duration restartBackoff,
        Duration maxRestartBackoff,
        int messageAttempts,
        boolean eraseOnStop,
        int mailboxLimit,
        MailboxOverflow overflow) {

    public static final LifecycleOptions DEFAULTS = new LifecycleOptions(null, RestartPolicy.TRANSIENT,
            Duration.ofMillis(50), Duration.ofSeconds(5), 3, false, 0, MailboxOverflow.FAIL);

    public LifecycleOptions withPassivateAfter(Duration d) {
        return new LifecycleOptions(d, restartPolicy, restartBackoff, maxRestartBackoff, messageAttempts, eraseOnStop,
                mailboxLimit, overflow);
    }

    public LifecycleOptions withRestart(RestartPolicy p, Duration backoff, Duration maxBackoff, int attempts) {
        return new LifecycleOptions(passivateAfter, p, backoff, maxBackoff, attempts, eraseOnStop, mailboxLimit, overflow);
    }

    public LifecycleOptions withEraseOnStop(boolean erase) {
        return new LifecycleOptions(passivateAfter, restartPolicy, restartBackoff, maxRestartBackoff, messageAttempts,
                erase, mailboxLimit, overflow);
    }

    public LifecycleOptions withMailbox(int limit, MailboxOverflow o) {
        return new LifecycleOptions(passivateAfter, restartPolicy, restartBackoff, maxRestartBackoff, messageAttempts,
                eraseOnStop, limit, o);
    }
}
