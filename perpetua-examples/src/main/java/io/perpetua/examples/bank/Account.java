package io.perpetua.examples.bank;

/**
 * The state of a bank account.
 *
 * @param balance the money in the account, in cents; never negative
 */
public record Account(long balance) {

    /** An account nothing has happened to yet. */
    public static final Account EMPTY = new Account(0);

    public Account {
        if (balance < 0) throw new IllegalArgumentException("an account balance cannot be negative, was " + balance);
    }
}
