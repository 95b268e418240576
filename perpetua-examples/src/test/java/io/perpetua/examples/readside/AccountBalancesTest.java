package io.perpetua.examples.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessRef;
import io.perpetua.examples.bank.AccountCommand;
import io.perpetua.examples.bank.AccountCommand.Deposit;
import io.perpetua.examples.bank.AccountCommand.Withdraw;
import io.perpetua.examples.bank.AccountEvent;
import io.perpetua.examples.bank.Bank;
import io.perpetua.query.EventQueries;
import io.perpetua.query.RunningProjection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AccountBalancesTest {

    private final Perpetua perpetua = Perpetua.open("memory:");
    private final EventQueries queries = EventQueries.of(perpetua.store());
    private final AccountBalances balances = new AccountBalances();

    @AfterEach
    void close() {
        perpetua.close();
    }

    private ProcessRef<AccountCommand> account(String id) {
        return perpetua.start(Bank.ACCOUNTS, id);
    }

    private void awaitAllEvents(RunningProjection p) throws InterruptedException {
        assertThat(p.awaitCheckpoint(perpetua.store().journal().highestGlobalPosition(), Duration.ofSeconds(10)))
                .as("the projection caught up").isTrue();
    }

    @Test
    void the_read_model_shows_the_balance_of_every_account() throws InterruptedException {
        account("account-1").call(new Deposit(100));
        account("account-2").call(new Deposit(50));
        account("account-1").call(new Withdraw(30));

        try (RunningProjection p = queries.start(balances.projection())) {
            awaitAllEvents(p);
        }

        assertThat(balances.balances()).isEqualTo(Map.of("account-1", 70L, "account-2", 50L));
        assertThat(balances.total()).isEqualTo(120);
    }

    @Test
    void the_read_model_follows_events_persisted_while_the_projection_runs() throws InterruptedException {
        try (RunningProjection p = queries.start(balances.projection())) {
            for (int i = 0; i < 20; i++) account("account-" + (i % 4)).call(new Deposit(10));
            account("account-0").call(new Withdraw(25));
            awaitAllEvents(p);
        }

        assertThat(balances.balanceOf("account-0")).hasValue(25L);
        assertThat(balances.balanceOf("account-3")).hasValue(50L);
        assertThat(balances.total()).isEqualTo(175);
    }

    @Test
    void a_restarted_projection_continues_after_its_checkpoint() throws InterruptedException {
        account("account-1").call(new Deposit(100));
        try (RunningProjection p = queries.start(balances.projection())) {
            awaitAllEvents(p);
        }
        account("account-1").call(new Withdraw(40));

        try (RunningProjection p = queries.start(balances.projection())) {
            awaitAllEvents(p);
        }

        assertThat(balances.balanceOf("account-1")).hasValue(60L);
    }

    @Test
    void an_event_delivered_again_does_not_change_the_balance() {
        PersistedEvent deposit = new PersistedEvent("account-1", 1, 1, Instant.now(), Set.of(),
                new AccountEvent.Deposited(100));

        balances.handle(deposit);
        balances.handle(deposit);

        assertThat(balances.balanceOf("account-1")).hasValue(100L);
    }
}
