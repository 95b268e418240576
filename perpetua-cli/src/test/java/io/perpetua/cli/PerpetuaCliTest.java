package io.perpetua.cli;

import static io.perpetua.cli.CliRun.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code perpetua} command run in-process, as a person would run it. */
class PerpetuaCliTest {



    @Test
    void the_demo_narrates_events_a_rejection_a_snapshot_and_recovery_and_exits_0() {
        CliRun run = run("demo", "--store", "memory:");

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.outLines())
                .contains("Perpetua demo on store memory: (kept in memory until the demo ends)")
                .anySatisfy(l -> assertThat(l).contains("> Deposit 100").endsWith("-> balance 100"))
                .contains("      persisted  seq 1  position 1  Deposited 100")
                .contains("      persisted  seq 2  position 2  Withdrawn 30")
                .anySatisfy(l -> assertThat(l).contains("> Withdraw 500").endsWith("-> rejected"))
                .contains("      insufficient funds: cannot withdraw 500 from a balance of 70")
                .contains("      nothing persisted: the journal of account-1 is still at seq 2")
                .contains("  recovered: no snapshot, 3 events replayed from the journal")
                .contains("  same balance as before the stop: yes")
                .contains("      persisted  seq 1  position 4  RoomBooked B-1: room 101 for Alice, 2025-05-01 to 2025-05-04")
                .contains("      snapshot   saved at seq 3 (every 3 events)")
                .anySatisfy(l -> assertThat(l).contains("> Availability on 2025-05-03").endsWith("-> free rooms []"))
                .contains("      room 101 is not free on the night of 2025-05-03 (held by booking B-1)")
                .contains("      persisted  seq 4  position 7  BookingCancelled B-1")
                .contains("  recovered: snapshot at seq 3, then 2 events replayed from the journal")
                .contains("  same bookings as before the stop: yes")
                .contains("Done: 8 events persisted, every process recovered the state it had.");
        assertThat(run.outLines()).as("readable length").hasSizeBetween(30, 50);
    }

    @Test
    void a_second_demo_on_the_same_store_recovers_the_first_runs_processes() {
        String store = "memory:demo-" + System.nanoTime();
        assertThat(run("demo", "--store", store).exitCode()).isZero();
        CliRun second = run("demo", "--store", store);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        assertThat(second.outLines())
                .contains("The store holds an earlier run; its processes recover from the journal and snapshots:")
                .contains("  account-1 recovered at seq 3: balance 95")
                .contains("  hotel-1 recovered at seq 5: 3 bookings (B-2 Bob, B-4 Dave, B-3 Carol)")
                .anySatisfy(l -> assertThat(l).startsWith("Bank account 'account-2'"));
    }

    @Test
    void the_demo_runs_on_rocksdb_by_default_and_a_second_run_recovers_the_first(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThat(DemoCommand.DEFAULT_STORE).isEqualTo("rocksdb:./perpetua-data");
        String store = "rocksdb:" + dir.resolve("perpetua-data");
        CliRun first = run("demo", "--store", store);
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.outLines()).contains("  same balance as before the stop: yes");
        CliRun second = run("demo", "--store", store);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        assertThat(second.outLines()).contains("  account-1 recovered at seq 3: balance 95")
                .contains("  hotel-1 recovered at seq 5: 3 bookings (B-2 Bob, B-4 Dave, B-3 Carol)");
    }

    @Test
    void the_demo_prints_the_same_output_every_time() {
        assertThat(run("demo", "--store", "memory:").out()).isEqualTo(run("demo", "--store", "memory:").out());
    }

    @Test
    void the_demo_starts_afresh_on_a_store_that_already_holds_a_run() {
        String store = "memory:cli-test-" + System.nanoTime();
        assertThat(run("demo", "--store", store).exitCode()).isZero();

        CliRun second = run("demo", "--store", store);

        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("Bank account 'account-2'").contains("Hotel 'hotel-2'")
                .contains("Done: 8 events persisted, every process recovered the state it had.");
    }

    @Test
    void a_bad_store_uri_is_one_line_on_stderr_and_exit_code_2() {
        CliRun run = run("demo", "--store", "nosuchstore:./x");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("perpetua demo: invalid value for option '--store': ")
                .contains("nosuchstore")
                .doesNotContain("Exception"));
    }

    @Test
    void a_store_uri_without_a_scheme_is_a_usage_error() {
        CliRun run = run("demo", "--store", "just-a-path");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines().toList()).singleElement().asString().contains("has no scheme");
    }

    @Test
    void an_unknown_option_is_one_line_on_stderr_and_exit_code_2() {
        CliRun run = run("demo", "--bogus");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines().toList()).singleElement().asString()
                .isEqualTo("perpetua demo: Unknown option: '--bogus' (see 'perpetua demo --help')");
    }

    @Test
    void an_unknown_command_is_one_line_on_stderr_and_exit_code_2() {
        CliRun run = run("frobnicate");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines().toList()).singleElement().asString().startsWith("perpetua: ");
    }

    @Test
    void no_command_is_a_usage_error() {
        CliRun run = run();

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("missing a command");
    }

    @Test
    void the_demo_help_names_the_default_store() {
        CliRun run = run("demo", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--store=URI").contains("default: " + DemoCommand.DEFAULT_STORE);
    }

    @Test
    void the_version_names_the_build() {
        CliRun run = run("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("perpetua 0.1.0");
    }
}
