package io.perpetua.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.GetBalance;
import io.perpetua.examples.bank.AccountCommand.Withdraw;
import io.perpetua.examples.bank.AccountEvent.Deposited;
import io.perpetua.examples.bank.AccountEvent.Withdrawn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The account's rules as plain functions: no runtime, no store. */
class AccountDeciderTest {

    private static Account replay(AccountEvent... events) {
        Account account = Account.EMPTY;
        for (AccountEvent e : events) account = AccountDecider.evolve(account, e);
        return account;
    }

    @Test
    void a_deposit_is_recorded_as_deposited() {
        assertThat(AccountDecider.decide(new Deposit(100), Account.EMPTY)).containsExactly(new Deposited(100));
    }

    @Test
    void a_withdrawal_the_balance_covers_is_recorded_as_withdrawn() {
        assertThat(AccountDecider.decide(new Withdraw(70), new Account(70))).containsExactly(new Withdrawn(70));
    }

    @Test
    void a_withdrawal_beyond_the_balance_is_rejected_with_the_balance_and_the_amount() {
        assertThatThrownBy(() -> AccountDecider.decide(new Withdraw(71), new Account(70)))
                .isInstanceOfSatisfying(InsufficientFunds.class, e -> {
                    assertThat(e.balance()).isEqualTo(70);
                    assertThat(e.amount()).isEqualTo(71);
                })
                .hasMessageContaining("71").hasMessageContaining("70");
    }

    @Test
    void zero_and_negative_amounts_are_rejected() {
        for (AccountCommand command : List.of(new Deposit(0), new Deposit(-5), new Withdraw(0), new Withdraw(-5))) {
            assertThatThrownBy(() -> AccountDecider.decide(command, new Account(100)))
                    .as("%s", command)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be positive");
        }
    }

    @Test
    void a_deposit_that_would_overflow_the_balance_is_rejected() {
        assertThatThrownBy(() -> AccountDecider.decide(new Deposit(2), new Account(Long.MAX_VALUE - 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflow");
    }

    @Test
    void reading_the_balance_records_nothing() {
        assertThat(AccountDecider.decide(new GetBalance(), new Account(42))).isEmpty();
    }

    @Test
    void evolve_adds_deposits_and_subtracts_withdrawals() {
        assertThat(replay(new Deposited(100), new Withdrawn(30), new Deposited(5))).isEqualTo(new Account(75));
    }

    @Test
    void evolve_returns_a_new_state_and_leaves_the_old_one_alone() {
        Account before = new Account(10);
        Account after = AccountDecider.evolve(before, new Deposited(5));
        assertThat(before).isEqualTo(new Account(10));
        assertThat(after).isEqualTo(new Account(15));
    }

    @Test
    void the_rules_import_nothing_from_perpetua() throws IOException {
        Path source = Path.of("src/main/java/io/perpetua/examples/bank/AccountDecider.java");
        assertThat(Files.readAllLines(source))
                .filteredOn(line -> line.startsWith("import "))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).matches("import (java\\..*|io\\.perpetua\\.examples\\..*);"));
    }
}
