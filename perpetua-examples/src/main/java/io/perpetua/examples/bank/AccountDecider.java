package io.perpetua.examples.bank;

import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.GetBalance;
import io.perpetua.examples.bank.AccountCommand.Withdraw;
import io.perpetua.examples.bank.AccountEvent.Deposited;
import io.perpetua.examples.bank.AccountEvent.Withdrawn;
import java.util.List;

/**
 * The rules of a bank account in the pure form: two functions over plain records, with no
 * dependency on Perpetua, so they can be read and tested on their own. {@link Bank#ACCOUNTS} turns
 * them into a persistent process.
 *
 * <ul>
 *   <li>{@link #decide} says what a command does to an account: the events to record, none for a
 *       query, or a rejection (an exception), in which case nothing is recorded.
 *   <li>{@link #evolve} applies one recorded event to the state. It has no side effects and is used
 *       both live and when an account is rebuilt from its journal.
 * </ul>
 */
public final class AccountDecider {

    private AccountDecider() {}

    /**
     * The events {@code command} produces on {@code account}.
     *
     * @throws IllegalArgumentException if an amount is zero or negative, or a deposit would overflow
     *     the balance
     * @throws InsufficientFunds if a withdrawal exceeds the balance
     */
    public static List<AccountEvent> decide(AccountCommand command, Account account) {
        return switch (command) {
            case Deposit d -> {
                requirePositive(d.amount());
                if (account.balance() > Long.MAX_VALUE - d.amount()) {
                    throw new IllegalArgumentException("a deposit of " + d.amount() + " would overflow the balance "
                            + account.balance());
                }
                yield List.of(new Deposited(d.amount()));
            }
            case Withdraw w -> {
                requirePositive(w.amount());
                if (w.amount() > account.balance()) throw new InsufficientFunds(account.balance(), w.amount());
                yield List.of(new Withdrawn(w.amount()));
            }
            case GetBalance g -> List.of();
        };
    }

    /** The account after {@code event}. */
    public static Account evolve(Account account, AccountEvent event) {
        return switch (event) {
            case Deposited d -> new Account(account.balance() + d.amount());
            case Withdrawn w -> new Account(account.balance() - w.amount());
        };
    }

    private static void requirePositive(long amount) {
        if (amount <= 0) throw new IllegalArgumentException("an amount must be positive, was " + amount);
    }
}
