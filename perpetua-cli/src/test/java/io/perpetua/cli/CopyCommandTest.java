package io.perpetua.cli;

import static io.perpetua.cli.CliRun.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code perpetua copy} moves a RocksDB store to PostgreSQL intact, and resumes after an interruption. */
class CopyCommandTest {

    @TempDir
    Path temp;



    private static String postgres() {
        String base = System.getenv().getOrDefault("PERPETUA_PG_URL", "postgresql://127.0.0.1:5432/postgres?user=postgres");
        if (base.startsWith("jdbc:")) base = base.substring(5);
        return base + "&schema=perpetua_copy_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static void append(Store store, String id, String tag, String... texts) {
        List<EventData> events = java.util.Arrays.stream(texts)
                .map(t -> new EventData(new Payload.Serialized("text", 2, t.getBytes(StandardCharsets.UTF_8)),
                        tag == null ? Set.of() : Set.of(tag), Instant.parse("2026-01-02T03:04:05.123456Z")))
                .toList();
        store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), events)));
    }

    @Test
    void copies_events_snapshots_and_checkpoints_with_their_numbers_and_resumes() {
        String from = "rocksdb:" + temp.resolve("source");
        String to = postgres();
        try {
            copyAndResume(from, to);
        } finally {
            dropSchema(to);
        }
    }

    @Test
    void the_copy_keeps_the_source_global_order_also_on_a_store_that_splits_batches() {
        String from = "rocksdb:" + temp.resolve("interleaved");
        String to = postgres();
        try (Store source = Stores.open(from)) {
            // 300 streams written in turns: every page of the copy mixes all of them
            for (int round = 0; round < 4; round++) {
                for (int s = 0; s < 300; s++) append(source, "stream-" + s, null, "e" + round);
            }
        }
        try {
            // every batch of two writes or more in two halves: the harder case for the order
            CliRun copy = run("copy", "--from", from, "--to", to + "&splitAt=2");
            assertThat(copy.exitCode()).as(copy.out() + copy.err()).isZero();
            assertThat(copy.out()).contains("copied events=1200 ");
            try (Store source = Stores.open(from); Store target = Stores.open(to)) {
                assertThat(order(target)).hasSize(1200).containsExactlyElementsOf(order(source));
            }
        } finally {
            dropSchema(to);
        }
    }

    /** The events of a store in global order, as persistence id and sequence number. */
    private static List<String> order(Store store) {
        return store.journal().readAll(1, 10_000).stream().map(e -> e.persistenceId() + "#" + e.sequenceNr()).toList();
    }

    /** Drops the test's schema; a leftover one would be harmless. */
    private static void dropSchema(String uri) {
        int q = uri.indexOf('?');
        String schema = uri.substring(uri.indexOf("schema=") + "schema=".length());
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:" + uri.substring(0, q), "postgres", "");
                java.sql.Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (java.sql.SQLException e) {
            // best effort
        }
    }

    private void copyAndResume(String from, String to) {
        try (Store source = Stores.open(from)) {
            append(source, "account-1", "accounts", "a1", "a2", "a3");
            append(source, "hotel-1", null, "h1", "h2");
            append(source, "account-1", "accounts", "a4");
            append(source, "trimmed", null, "t1", "t2", "t3", "t4");
            source.journal().deleteUpTo("trimmed", 2);
            append(source, "gone", null, "g1");
            source.journal().deleteUpTo("gone", 1);
            source.snapshots().save(new SnapshotRecord("account-1", 3, Instant.now(), new Payload.Serialized("state", 1, new byte[] {3})));
            source.checkpoints().save("balances", 4);
        }
        CliRun first = run("copy", "--from", from, "--to", to);
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains("copied events=8 streams=4 snapshots=1 checkpoints=1")
                .contains("verified events=8 streams=4");

        try (Store target = Stores.open(to)) {
            List<StoredEvent> account = target.journal().read("account-1", 1, 10, 10);
            assertThat(account).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L, 4L);
            assertThat(account.get(3).tags()).containsExactly("accounts");
            assertThat(account.get(3).timestamp()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
            assertThat(account.get(3).payload()).isEqualTo(new Payload.Serialized("text", 2, "a4".getBytes(StandardCharsets.UTF_8)));
            assertThat(target.journal().read("trimmed", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(3L, 4L);
            assertThat(target.journal().highestSequenceNr("gone")).isEqualTo(1);
            assertThat(target.journal().readByTag("accounts", 1, 10)).hasSize(4);
            assertThat(target.snapshots().loadLatest("account-1", SnapshotCriteria.latest())).get()
                    .extracting(SnapshotRecord::sequenceNr).isEqualTo(3L);
            assertThat(target.checkpoints().load("balances")).hasValue(4);
        }

        try (Store source = Stores.open(from)) {
            append(source, "hotel-1", null, "h3");
        }
        CliRun second = run("copy", "--from", from, "--to", to);
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        assertThat(second.out()).contains("resuming after source position").contains("copied events=1 ")
                .contains("verified events=9 streams=4");

        try (Store target = Stores.open(to)) {
            target.checkpoints().save("perpetua.copy:" + from, 2); // as if interrupted before saving progress
        }
        CliRun third = run("copy", "--from", from, "--to", to);
        assertThat(third.exitCode()).as(third.out() + third.err()).isZero();
        assertThat(third.out()).contains("copied events=0 ").contains("verified events=9 streams=4");
    }
}
