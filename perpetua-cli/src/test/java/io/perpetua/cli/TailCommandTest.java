package io.perpetua.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.examples.bank.AccountCommand;
import io.perpetua.examples.bank.Bank;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code perpetua tail} run in-process on a named memory store while a runtime persists to it. */
@Timeout(30)
class TailCommandTest {

    private final String storeUri = "memory:tail-" + UUID.randomUUID();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final AtomicInteger exitCode = new AtomicInteger(-1);

    private Thread startTail(String... options) {
        CommandLine cmd = PerpetuaCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] args = new String[options.length + 3];
        args[0] = "tail";
        args[1] = "--store";
        args[2] = storeUri;
        System.arraycopy(options, 0, args, 3, options.length);
        return Thread.ofPlatform().start(() -> exitCode.set(cmd.execute(args)));
    }

    private List<String> awaitLines(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.toString().lines().count() < n && System.nanoTime() < deadline) Thread.sleep(10);
        return out.toString().lines().toList();
    }

    @Test
    void tail_prints_each_event_as_it_is_persisted_until_interrupted_and_exits_0() throws InterruptedException {
        try (Perpetua perpetua = Perpetua.open(storeUri)) {
            ProcessRef<AccountCommand> account = perpetua.start(Bank.ACCOUNTS, "account-1");
            account.call(new AccountCommand.Deposit(5)); // before tail starts: not shown from 'current'
            Thread tail = startTail();
            Thread.sleep(300); // tail has read the current end

            account.call(new AccountCommand.Deposit(100));
            account.call(new AccountCommand.Withdraw(30));
            List<String> lines = awaitLines(2);
            tail.interrupt();
            tail.join(5_000);

            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).startsWith("2  account-1 #2  ").endsWith("  []  Deposited[amount=100]");
            assertThat(lines.get(1)).startsWith("3  account-1 #3  ").endsWith("  []  Withdrawn[amount=30]");
            assertThat(exitCode).hasValue(0);
            assertThat(err.toString()).isEmpty();
        }
    }

    @Test
    void tail_from_origin_prints_the_events_already_stored_first() throws InterruptedException {
        try (Perpetua perpetua = Perpetua.open(storeUri)) {
            perpetua.start(Bank.ACCOUNTS, "account-1").call(new AccountCommand.Deposit(7));
            Thread tail = startTail("--from", "origin");

            List<String> lines = awaitLines(1);
            tail.interrupt();
            tail.join(5_000);

            assertThat(lines).singleElement().asString().startsWith("1  account-1 #1  ").endsWith("Deposited[amount=7]");
        }
    }

    @Test
    void tail_with_a_tag_prints_only_events_with_that_tag() throws InterruptedException {
        try (Perpetua perpetua = Perpetua.open(storeUri)) {
            ProcessRef<AccountCommand> tagged = perpetua.start(Bank.ACCOUNTS.withTags(e -> "money"), "account-t");
            ProcessRef<AccountCommand> plain = perpetua.start(Bank.ACCOUNTS, "account-p");
            Thread tail = startTail("--tag", "money", "--from", "1");
            plain.call(new AccountCommand.Deposit(1));
            tagged.call(new AccountCommand.Deposit(2));

            List<String> lines = awaitLines(1);
            Thread.sleep(200);
            tail.interrupt();
            tail.join(5_000);

            assertThat(out.toString().lines()).singleElement().asString()
                    .contains("account-t #1").endsWith("  [money]  Deposited[amount=2]");
            assertThat(lines).isNotEmpty();
        }
    }

    @Test
    void a_bad_from_exits_2_with_one_line() {
        StringWriter errors = new StringWriter();
        CommandLine cmd = PerpetuaCli.commandLine();
        cmd.setErr(new PrintWriter(errors, true));

        int code = cmd.execute("tail", "--store", storeUri, "--from", "yesterday");

        assertThat(code).isEqualTo(2);
        assertThat(errors.toString().lines()).singleElement().asString()
                .startsWith("perpetua tail: invalid value for option '--from': 'yesterday' is not 'origin', 'current' "
                        + "or a position >= 1");
    }

    @Test
    void an_unknown_store_scheme_exits_2_with_one_line() {
        StringWriter errors = new StringWriter();
        CommandLine cmd = PerpetuaCli.commandLine();
        cmd.setErr(new PrintWriter(errors, true));

        int code = cmd.execute("tail", "--store", "nosuch:x");

        assertThat(code).isEqualTo(2);
        assertThat(errors.toString().lines()).singleElement().asString()
                .startsWith("perpetua tail: invalid value for option '--store': unknown store URI scheme 'nosuch:'");
    }
}
