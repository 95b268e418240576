package io.perpetua.examples.bank;

/** What happened to a bank account: the facts the journal keeps. */
public sealed interface AccountEvent {

    /** {@code amount} (in cents) was put into the account. */
    record Deposited(long amount) implements AccountEvent {}

    /** {@code amount} (in cents) was taken out of the account. */
    record Withdrawn(long amount) implements AccountEvent {}
}
