package io.perpetua.examples.bank;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.GetBalance;
import io.perpetua.examples.bank.AccountCommand.Withdraw;

/**
 * Bank accounts as persistent processes: the pure rules of {@link AccountDecider} registered with
 * Perpetua. A call to an account replies with the {@link Account} after the command.
 *
 * <pre>{@code
 * try (Perpetua perpetua = Perpetua.open("memory:")) {
 *     ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, "account-42");
 *     Account after = account.call(new Deposit(100));
 * }
 * }</pre>
 *
 * <p>Run {@link #main} for a short scenario: {@code java io.perpetua.examples.bank.Bank [STORE_URI]}.
 */
public final class Bank {

    /** The process type of bank accounts, one process per account. */
    public static final ProcessType<AccountCommand, Account, AccountEvent> ACCOUNTS =
            ProcessType.pure("account", Account.EMPTY, AccountDecider::decide, AccountDecider::evolve);

    private Bank() {}

    /**
     * Deposits, withdraws, is refused an overdraft, then stops the account and starts it again to
     * show that the balance comes back from the journal.
     *
     * @param args an optional store URI; {@code memory:} by default
     */
    public static void main(String[] args) {
        String storeUri = args.length > 0 ? args[0] : "memory:";
        try (Perpetua perpetua = Perpetua.open(storeUri)) {
            ProcessRef<AccountCommand> account = perpetua.start(ACCOUNTS, "account-42");
            Account start = account.call(new GetBalance());
            System.out.println("account-42 starts with a balance of " + start.balance());

            Account afterDeposit = account.call(new Deposit(100));
            System.out.println("deposit 100      -> balance " + afterDeposit.balance());
            Account afterWithdrawal = account.call(new Withdraw(30));
            System.out.println("withdraw 30      -> balance " + afterWithdrawal.balance());
            try {
                account.call(new Withdraw(1_000));
            } catch (InsufficientFunds refused) {
                System.out.println("withdraw 1000    -> refused: " + refused.getMessage());
            }

            account.stop();
            account = perpetua.start(ACCOUNTS, "account-42");
            Account recovered = account.call(new GetBalance());
            System.out.println("after a restart  -> balance " + recovered.balance() + " (rebuilt from the journal)");
        }
    }
}
