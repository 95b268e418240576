package io.perpetua.cli;

import static io.perpetua.cli.CliRun.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code load}, {@code verify} and {@code inspect} on a real RocksDB store, run in-process. */
class OperatorCommandsTest {

    @TempDir
    Path temp;



    private String store() {
        return "rocksdb:" + temp.resolve("store");
    }

    @Test
    void load_persists_every_event_logs_each_ack_and_verify_finds_them_all() throws Exception {
        Path acks = temp.resolve("acks.log");
        CliRun load = run("load", "--store", store(), "--processes", "20", "--events", "30", "--batch", "3",
                "--payload", "64", "--ack-log", acks.toString());
        assertThat(load.exitCode()).as(load.err()).isZero();
        assertThat(load.outLines().getLast()).matches("events=600 seconds=[0-9.]+ events_per_s=[0-9]+");
        assertThat(Files.readAllLines(acks)).hasSize(600).allMatch(l -> l.matches("load-\\S+-\\d+ \\d+"));

        CliRun verify = run("verify", "--store", store(), "--acks", acks.toString());
        assertThat(verify.exitCode()).as(verify.out()).isZero();
        assertThat(verify.outLines()).containsExactly("verified events=600 streams=20");
    }

    @Test
    void verify_reports_each_acknowledged_event_that_is_missing_and_exits_1() throws Exception {
        run("load", "--store", store(), "--processes", "2", "--events", "5");
        Path acks = temp.resolve("acks.log");
        String id = run("inspect", "--store", store(), "ids").outLines().getFirst();
        Files.writeString(acks, id + " 5\n" + id + " 6\nghost 1\n" + id + " 9"); // the last line is cut short
        CliRun verify = run("verify", "--store", store(), "--acks", acks.toString());
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.outLines()).containsExactly(
                "acknowledged event missing: " + id + " 6",
                "acknowledged event missing: ghost 1",
                "verified events=10 streams=2");
    }

    @Test
    void inspect_shows_a_summary_the_ids_a_stream_and_one_event_readable_and_as_json() {
        run("load", "--store", store(), "--processes", "3", "--events", "4", "--payload", "8");
        assertThat(run("inspect", "--store", store(), "summary").outLines().getLast())
                .isEqualTo("streams=3 events=12 snapshots=0");
        List<String> ids = run("inspect", "--store", store(), "ids").outLines();
        assertThat(ids).hasSize(3).isSorted();

        List<String> stream = run("inspect", "--store", store(), "stream", ids.get(1), "--from", "2", "--to", "3").outLines();
        assertThat(stream).hasSize(2);
        assertThat(stream.get(0)).startsWith("2  @").contains("perpetua.load.Payload v1").endsWith("xxxxxxxx");

        CliRun event = run("inspect", "--store", store(), "--json", "event", ids.get(0), "4");
        assertThat(event.out().strip()).startsWith("{\"persistence_id\":\"" + ids.get(0) + "\",\"sequence_nr\":4,")
                .contains("\"manifest\":\"perpetua.load.Payload\"").endsWith("\"payload_text\":\"xxxxxxxx\"}");

        CliRun missing = run("inspect", "--store", store(), "event", ids.get(0), "99");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no event 99").contains("highest is 4");
    }

    @Test
    void an_unknown_scheme_a_path_that_is_not_a_store_and_bad_options_are_one_line_errors_with_exit_2() throws Exception {
        Path notAStore = Files.createDirectories(temp.resolve("documents"));
        Files.writeString(notAStore.resolve("letter.txt"), "hello");
        for (String[] args : List.of(
                new String[] {"verify", "--store", "nosuch:x"},
                new String[] {"inspect", "--store", "rocksdb:" + notAStore, "summary"},
                new String[] {"load", "--store", store(), "--processes", "0", "--events", "1"},
                new String[] {"load", "--store", store(), "--processes", "many", "--events", "1"},
                new String[] {"verify"})) {
            CliRun run = run(args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
            assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(run("inspect", "--store", "rocksdb:" + notAStore, "summary").err()).contains("is not a Perpetua store");
    }

    @Test
    void bench_prints_the_disk_limits_then_one_result_line_per_workload() {
        CliRun bench = run("bench", "--store", store(), "--processes", "10", "--events", "20");
        assertThat(bench.exitCode()).as(bench.err()).isZero();
        assertThat(bench.outLines()).hasSize(5);
        assertThat(bench.outLines().getFirst())
                .matches("limits dir=\\S+ fdatasync_p50_us=\\d+ fdatasync_per_s=\\d+ write_mb_per_s=\\d+ cpu_sort_1m_ms=\\d+\\.\\d");
        String number = "[0-9.]+";
        assertThat(bench.outLines().subList(1, 5)).satisfiesExactly(
                l -> assertThat(l).matches("workload=processes events=200 seconds=" + number + " events_per_s=\\d+ p50_us="
                        + number + " p99_us=" + number + " cpu_us_per_event=" + number),
                l -> assertThat(l).startsWith("workload=single events=20 "),
                l -> assertThat(l).startsWith("workload=replay events=20 "),
                // processes: 200 measured after 1 to 10 warm-up rounds of 2 each; single: 20 + 20 warm-up; replay: 20
                l -> assertThat(Long.parseLong(l.replaceFirst("workload=catchup events=(\\d+) .*", "$1")))
                        .isBetween(200L + 10 * 2 + 40 + 20, 200L + 10 * 2 * 10 + 40 + 20));
        assertThat(run("bench", "--store", "memory:", "--workload", "sprint").exitCode()).isEqualTo(2);
    }

    @Test
    void verify_reports_events_damaged_on_disk_with_their_id_and_sequence_number() throws Exception {
        run("load", "--store", store(), "--processes", "1", "--events", "2000", "--payload", "300");
        Path table;
        try (var files = Files.list(temp.resolve("store"))) {
            table = files.filter(f -> f.toString().endsWith(".sst"))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(table.toFile(), "rw")) {
            long at = f.length() / 3;
            for (int i = 0; i < 16; i++) {
                f.seek(at + i);
                int b = f.read();
                f.seek(at + i);
                f.write(b ^ 0xFF);
            }
        }
        CliRun verify = run("verify", "--store", store());
        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.outLines()).anySatisfy(l -> assertThat(l).matches("corrupt event load-\\S+ \\d+: .*"));
        assertThat(verify.outLines().getLast()).startsWith("verified events=");
    }
}
