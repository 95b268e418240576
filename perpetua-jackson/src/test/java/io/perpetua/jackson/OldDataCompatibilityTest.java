package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.RecoveredState;
import io.perpetua.Stores;
import io.perpetua.jackson.Bank.Account;
import io.perpetua.jackson.Bank.BankEvent;
import io.perpetua.jackson.Bank.Money;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Data stored by earlier versions, kept as fixture files, read into today's types. */
class OldDataCompatibilityTest {

    private static final AtomicInteger IDS = new AtomicInteger();
    private final Store store = Stores.open("memory:");

    @AfterEach
    void close() {
        store.close();
    }

    private Perpetua runtime() {
        return Perpetua.builder().store(store).serializer(new JacksonSerializer(Bank.MANIFESTS)).build();
    }

    private static List<String[]> fixture(String name, int fields) {
        try (InputStream in = OldDataCompatibilityTest.class.getResourceAsStream("/fixtures/bank-v1/" + name)) {
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) rows.add(line.split(" ", fields));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String writeOldJournal() {
        String id = "ann-" + IDS.incrementAndGet();
        List<EventData> events = new ArrayList<>();
        for (String[] row : fixture("journal.txt", 3)) {
            events.add(new EventData(new Payload.Serialized(row[0], Integer.parseInt(row[1]),
                    row[2].getBytes(StandardCharsets.UTF_8)), Set.of(), Instant.parse("2025-12-01T00:00:00Z")));
        }
        WriteResult r = store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.none(), events))).getFirst();
        assertThat(r).isInstanceOf(WriteResult.Written.class);
        return id;
    }

    @Test
    void a_journal_written_by_version_1_recovers_into_todays_state() {
        String id = writeOldJournal();
        try (Perpetua perpetua = runtime()) {
            RecoveredState<Account> recovered = perpetua.readState(Bank.ACCOUNTS, id);
            assertThat(recovered.state()).isEqualTo(new Account("Ann Lee", "ann@example.com", Money.eur("100.01"), 3, ""));
            assertThat(recovered.sequenceNr()).isEqualTo(6);
        }
    }

    @Test
    void each_old_event_decodes_into_todays_events_renamed_split_dropped_and_converted() {
        String id = writeOldJournal();
        try (Perpetua perpetua = runtime()) {
            List<StoredEvent> stored = store.journal().read(id, 1, Long.MAX_VALUE, 100);
            List<List<BankEvent>> decoded = stored.stream().map(e -> perpetua.decode(Bank.ACCOUNTS, e)).toList();
            assertThat(decoded).containsExactly(
                    List.of(new BankEvent.Opened("Ann")),
                    List.of(new BankEvent.Deposited(Money.eur("125.50"))),
                    List.of(),
                    List.of(new BankEvent.Withdrawn(Money.eur("25.50"), "atm-7")),
                    List.of(new BankEvent.NameChanged("Ann Lee"), new BankEvent.EmailChanged("ann@example.com")),
                    List.of(new BankEvent.Deposited(Money.eur("0.01"))));
        }
    }

    @Test
    void a_snapshot_written_by_version_1_is_read_through_the_snapshot_mapper_and_later_events_replayed() {
        String id = writeOldJournal();
        String[] row = fixture("snapshot.txt", 4).getFirst();
        store.snapshots().save(new SnapshotRecord(id, Long.parseLong(row[0]), Instant.parse("2025-12-02T00:00:00Z"),
                new Payload.Serialized(row[1], Integer.parseInt(row[2]), row[3].getBytes(StandardCharsets.UTF_8))));
        try (Perpetua perpetua = runtime()) {
            // the snapshot says 2 transactions and 100.00 after event 4; events 5 and 6 follow it
            assertThat(perpetua.readState(Bank.ACCOUNTS, id).state())
                    .isEqualTo(new Account("Ann Lee", "ann@example.com", Money.eur("100.01"), 3, ""));
        }
    }

    @Test
    void a_snapshot_of_a_type_that_no_longer_exists_is_skipped_and_the_journal_replayed() {
        String id = writeOldJournal();
        store.snapshots().save(new SnapshotRecord(id, 5, Instant.parse("2025-12-02T00:00:00Z"), new Payload.Serialized(
                "bank.AccountSnapshotV0", 1, "{\"owner\":\"Ann\",\"cents\":10000}".getBytes(StandardCharsets.UTF_8))));
        try (Perpetua perpetua = runtime()) {
            assertThat(perpetua.readState(Bank.ACCOUNTS, id).state())
                    .isEqualTo(new Account("Ann Lee", "ann@example.com", Money.eur("100.01"), 3, ""));
        }
    }

    @Test
    void new_events_are_stored_at_todays_schema_version_and_read_back_after_old_ones() {
        String id = writeOldJournal();
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Bank.ACCOUNTS, id).call(new Bank.Deposit(Money.eur("20000.00")));
        }
        StoredEvent latest = store.journal().read(id, 7, 7, 1).getFirst();
        Payload.Serialized payload = (Payload.Serialized) latest.payload();
        assertThat(payload.manifest()).isEqualTo("bank.Deposited");
        assertThat(payload.schemaVersion()).isEqualTo(2);
        assertThat(latest.tags()).containsExactly("large-deposit");
        try (Perpetua perpetua = runtime()) {
            assertThat(perpetua.readState(Bank.ACCOUNTS, id).state().balance()).isEqualTo(Money.eur("20100.01"));
        }
    }
}
