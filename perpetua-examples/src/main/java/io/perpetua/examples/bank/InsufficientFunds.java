package io.perpetua.examples.bank;

/** A withdrawal was refused because the balance does not cover it. Nothing was recorded. */
public final class InsufficientFunds extends RuntimeException {

    private final long balance;
    private final long amount;

    public InsufficientFunds(long balance, long amount) {
        super("insufficient funds: cannot withdraw " + amount + " from a balance of " + balance);
        this.balance = balance;
        this.amount = amount;
    }

    /** The balance at the time of the withdrawal. */
    public long balance() {
        return balance;
    }

    /** The amount that was asked for. */
    public long amount() {
        return amount;
    }
}
