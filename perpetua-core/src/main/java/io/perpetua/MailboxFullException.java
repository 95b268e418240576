package io.perpetua;

/** A message was refused because the process's mailbox held its limit and the policy is {@link MailboxOverflow#FAIL}. */
public class MailboxFullException extends PerpetuaException {
    private final int limit;

    public MailboxFullException(String persistenceId, int limit) {
        super(persistenceId, "the mailbox of process '" + persistenceId + "' is full (limit " + limit
                + " messages); the message was not delivered");
        this.limit = limit;
    }

    /** The mailbox limit of the process. */
    public int limit() {
        return limit;
    }
}
