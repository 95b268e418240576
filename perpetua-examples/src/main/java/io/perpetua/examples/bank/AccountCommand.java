package io.perpetua.examples.bank;

/**
 * What a bank account can be asked to do. Plain records: amounts are validated by
 * {@link AccountDecider#decide}, which is where the account's rules live.
 */
public sealed interface AccountCommand {

    /** Put {@code amount} (in cents) into the account. */
    record Deposit(long amount) implements AccountCommand {}

    /** Take {@code amount} (in cents) out of the account, if the balance covers it. */
    record Withdraw(long amount) implements AccountCommand {}

    /** Read the balance; changes nothing. */
    record GetBalance() implements AccountCommand {}
}
