package io.perpetua;

/** What a sender meets when a process's mailbox holds its limit ({@link ProcessType#withMailboxLimit}). */
public enum MailboxOverflow {
    /** The send fails at once with {@link MailboxFullException} naming the process and the limit. */
    FAIL,
    /**
     * The sender waits until there is room: a call waits at most its call timeout (then
     * {@link CallTimeoutException}); a cast or send waits as long as it takes. Info messages from
     * timers never wait and are never refused.
     */
    WAIT
}
