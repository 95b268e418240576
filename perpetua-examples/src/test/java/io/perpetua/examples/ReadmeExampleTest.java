package io.perpetua.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Context;
import io.perpetua.Perpetua;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The code shown in the README, kept compiling and behaving as the README says. */
class ReadmeExampleTest {

    sealed interface Cmd { record Deposit(long amount) implements Cmd {} record Withdraw(long amount) implements Cmd {} }
    sealed interface Evt { record Deposited(long amount) implements Evt {} record Withdrawn(long amount) implements Evt {} }
    record Account(long balance) {
        static List<Evt> decide(Cmd cmd, Account a) {
            return switch (cmd) {
                case Cmd.Deposit d -> List.of(new Evt.Deposited(d.amount()));
                case Cmd.Withdraw w when w.amount() > a.balance() -> throw new IllegalStateException("insufficient funds");
                case Cmd.Withdraw w -> List.of(new Evt.Withdrawn(w.amount()));
            };
        }
        static Account evolve(Account a, Evt e) {
            return switch (e) {
                case Evt.Deposited d -> new Account(a.balance() + d.amount());
                case Evt.Withdrawn w -> new Account(a.balance() - w.amount());
            };
        }
    }

    static class Counter implements PersistentProcess<String, Long, Long> {
        public Long initialState() { return 0L; }
        public Long apply(Long total, Long added) { return total + added; }
        public void handleCall(String request, Context<Long, Long> ctx) {
            switch (request) {
                case "add" -> { ctx.persist(1L); ctx.reply(ctx.state()); }
                case "get" -> ctx.reply(ctx.state());
                default -> throw new IllegalArgumentException("unknown request " + request);
            }
        }
    }

    @Test
    void the_pure_form_example_deposits_withdraws_and_rejects() {
        var ACCOUNTS = ProcessType.pure("account", new Account(0), Account::decide, Account::evolve);
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<Cmd> acc = perpetua.start(ACCOUNTS, "account-42");
            Account after = acc.call(new Cmd.Deposit(100));
            assertThat(after).isEqualTo(new Account(100));
            assertThat((Account) acc.call(new Cmd.Withdraw(30))).isEqualTo(new Account(70));
            assertThatThrownBy(() -> acc.call(new Cmd.Withdraw(500))).hasMessage("insufficient funds");
            assertThat(perpetua.store().journal().highestSequenceNr("account-42")).isEqualTo(2);
        }
    }

    @Test
    void the_process_form_example_counts_and_recovers() {
        var COUNTERS = ProcessType.of("counter", Counter::new).withSnapshotEvery(1000);
        String store = "memory:readme-" + System.nanoTime();
        try (Perpetua perpetua = Perpetua.open(store)) {
            ProcessRef<String> counter = perpetua.start(COUNTERS, "counter-1");
            counter.call("add");
            assertThat((Long) counter.call("add")).isEqualTo(2L);
        }
        try (Perpetua perpetua = Perpetua.open(store)) {
            assertThat((Long) perpetua.start(COUNTERS, "counter-1").call("get")).isEqualTo(2L);
        }
    }
}
