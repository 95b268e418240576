package io.perpetua.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.GetBalance;
import io.perpetua.examples.bank.AccountCommand.Withdraw;
import io.perpetua.examples.bank.AccountEvent.Deposited;
import io.perpetua.examples.bank.AccountEvent.Withdrawn;
import io.perpetua.testkit.ProcessFixture;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bank accounts running as persistent processes on a memory store. */
class BankAccountTest {

    private static String freshId() {
        return "account-" + UUID.randomUUID();
    }

    @Test
    void deposits_and_withdrawals_reply_with_the_new_balance_and_are_journaled() {
        String id = freshId();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, id);

            assertThat((Account) account.call(new Deposit(100))).isEqualTo(new Account(100));
            assertThat((Account) account.call(new Withdraw(30))).isEqualTo(new Account(70));

            assertThat(perpetua.store().journal().highestSequenceNr(id)).isEqualTo(2);
            assertThat(perpetua.readState(Bank.ACCOUNTS, id).state()).isEqualTo(new Account(70));
        }
    }

    @Test
    void an_overdraft_is_rejected_leaves_the_balance_and_writes_nothing() {
        String id = freshId();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, id);
            account.call(new Deposit(100));

            assertThatThrownBy(() -> account.call(new Withdraw(500))).isInstanceOf(InsufficientFunds.class);

            assertThat(perpetua.store().journal().highestSequenceNr(id)).isEqualTo(1);
            assertThat((Account) account.call(new GetBalance())).isEqualTo(new Account(100));
            assertThat(account.isAlive()).as("a rejection does not stop the account").isTrue();
        }
    }

    @Test
    void a_stopped_account_recovers_its_balance_from_the_journal() {
        String id = freshId();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, id);
            account.call(new Deposit(100));
            account.call(new Withdraw(30));
            account.stop();

            ProcessRef<AccountCommand> restarted = perpetua.start(Bank.ACCOUNTS, id);

            assertThat((Account) restarted.call(new GetBalance())).isEqualTo(new Account(70));
        }
    }

    @Test
    void a_new_runtime_on_the_same_store_recovers_the_balance() {
        String id = freshId();
        String store = "memory:bank-test-" + UUID.randomUUID();
        try (Perpetua perpetua = Perpetua.open(store)) {
            ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, id);
            account.call(new Deposit(250));
            account.call(new Withdraw(50));
        }
        try (Perpetua perpetua = Perpetua.open(store)) {
            assertThat((Account) perpetua.start(Bank.ACCOUNTS, id).call(new GetBalance())).isEqualTo(new Account(200));
        }
    }

    @Test
    void the_fixture_example_of_the_testing_guide_holds() {
        try (var fixture = ProcessFixture.of(Bank.ACCOUNTS)) {
            fixture.given(new Deposited(100))
                    .when(new Withdraw(30))
                    .expectEvents(new Withdrawn(30))
                    .expectState(new Account(70));

            fixture.when(new Withdraw(500)).expectRejection(InsufficientFunds.class);

            fixture.restart();
            fixture.when(new GetBalance()).expectReply(new Account(70));
        }
    }

    @Test
    void the_example_program_runs_on_a_memory_store() {
        Bank.main(new String[] {"memory:"});
    }
}
