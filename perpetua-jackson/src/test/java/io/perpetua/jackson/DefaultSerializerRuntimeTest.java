package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.DeadLetter;
import io.perpetua.EventAdapter;
import io.perpetua.Perpetua;
import io.perpetua.PersistRejectedException;
import io.perpetua.PoisonEventPolicy;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.RecoveryFailedException;
import io.perpetua.Stores;
import io.perpetua.jackson.Bank.Account;
import io.perpetua.jackson.Bank.BankEvent;
import io.perpetua.jackson.Bank.Money;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DefaultSerializerRuntimeTest {

    private static final AtomicInteger IDS = new AtomicInteger();
    private final Store store = Stores.open("memory:");

    @AfterEach
    void close() {
        store.close();
    }

    private static String fresh(String prefix) {
        return prefix + "-" + IDS.incrementAndGet();
    }

    /** A log of strings whose persisted events may hold anything, also what JSON cannot write. */
    record Noted(Object what) {}

    static final ProcessType<Object, List<Object>, Noted> NOTES = ProcessType.<Object, List<Object>, Noted>pure("notes",
            List.of(), (command, notes) -> List.of(new Noted(command)), (notes, noted) -> {
                var next = new java.util.ArrayList<>(notes);
                next.add(noted.what());
                return List.copyOf(next);
            });

    private List<StoredEvent> journal(String id) {
        return store.journal().read(id, 1, Long.MAX_VALUE, 1000);
    }

    @Test
    void a_runtime_finds_the_jackson_serializer_on_the_class_path_and_the_memory_store_gets_json() {
        String id = fresh("found");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThat(perpetua.serializer()).containsInstanceOf(JacksonSerializer.class);
            perpetua.start(Bank.ACCOUNTS, id).call(new Bank.Deposit(Money.eur("5.00")));
        }
        Payload.Serialized p = (Payload.Serialized) journal(id).getFirst().payload();
        assertThat(p.manifest()).isEqualTo(BankEvent.Deposited.class.getName());
        assertThat(new String(p.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"amount\":{\"amount\":5.00,\"currency\":\"EUR\"}}");
    }

    @Test
    void keeping_objects_in_memory_stores_references_even_with_a_serializer_available() {
        String id = fresh("objects");
        try (Perpetua perpetua = Perpetua.builder().store(store).keepObjectsInMemory().build()) {
            perpetua.start(NOTES, id).call(new Object());
        }
        assertThat(journal(id).getFirst().payload()).isInstanceOf(Payload.Reference.class);
    }

    @Test
    void a_serialization_failure_on_persist_is_a_rejection_naming_the_event_type_and_reason_and_nothing_changes() {
        String id = fresh("unwritable");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Object> notes = perpetua.start(NOTES, id);
            notes.call("first");
            assertThatThrownBy(() -> notes.call(new Object()))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining("cannot serialize event of type " + Noted.class.getName())
                    .hasMessageContaining("java.lang.Object");
            assertThat(journal(id)).hasSize(1);
            assertThat(notes.<List<Object>>call("second")).containsExactly("first", "second");
            assertThat(perpetua.readState(NOTES, id).state()).containsExactly("first", "second");
        }
    }

    private String storeUnknownManifest() {
        String id = fresh("unknown");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            perpetua.start(Bank.ACCOUNTS, id).call(new Bank.Deposit(Money.eur("1.00")));
        }
        store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.exactly(1), List.of(new EventData(
                new Payload.Serialized("bank.InterestPaid", 1, "{\"rate\":0.5}".getBytes(StandardCharsets.UTF_8)),
                Set.of(), Instant.now())))));
        return id;
    }

    @Test
    void an_unknown_manifest_at_recovery_fails_naming_the_persistence_id_sequence_number_and_manifest() {
        String id = storeUnknownManifest();
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThatThrownBy(() -> perpetua.start(Bank.ACCOUNTS, id))
                    .isInstanceOf(RecoveryFailedException.class)
                    .hasMessageContaining("'" + id + "'")
                    .hasMessageContaining("event 2 ")
                    .hasMessageContaining("bank.InterestPaid")
                    .satisfies(e -> assertThat(((RecoveryFailedException) e).sequenceNr()).isEqualTo(2));
        }
    }

    @Test
    void an_unknown_manifest_under_the_skip_policy_becomes_a_dead_letter_naming_the_manifest() {
        String id = storeUnknownManifest();
        List<DeadLetter> dead = new CopyOnWriteArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store(store).deadLetters(dead::add).build()) {
            Account account = perpetua.readState(Bank.ACCOUNTS.withPoisonEventPolicy(PoisonEventPolicy.SKIP), id).state();
            assertThat(account.balance()).isEqualTo(Money.eur("1.00"));
        }
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.sequenceNr()).isEqualTo(2);
            assertThat(d.manifest()).contains("bank.InterestPaid");
        });
    }

    @Test
    void a_snapshot_stores_the_mapped_form_and_recovery_maps_it_back() {
        String id = fresh("mapped");
        ProcessType<Object, Account, BankEvent> type = Bank.ACCOUNTS.withSnapshotEvery(1);
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JacksonSerializer(Bank.MANIFESTS)).build()) {
            perpetua.start(type, id).call(new Bank.Deposit(Money.eur("7.00")));
        }
        SnapshotRecord snapshot = store.snapshots().loadLatest(id, SnapshotCriteria.latest()).orElseThrow();
        Payload.Serialized p = (Payload.Serialized) snapshot.payload();
        assertThat(p.manifest()).isEqualTo("bank.StoredAccount");
        assertThat(new String(p.bytes(), StandardCharsets.UTF_8)).doesNotContain("lastError");
        store.journal().deleteUpTo(id, 1); // only the snapshot can give the state now
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JacksonSerializer(Bank.MANIFESTS)).build()) {
            assertThat(perpetua.readState(type, id).state()).isEqualTo(new Account("", "", Money.eur("7.00"), 1, ""));
        }
    }

    @Test
    void tags_of_the_adapter_join_those_of_the_tagger() {
        String id = fresh("tags");
        ProcessType<Object, Account, BankEvent> type = Bank.ACCOUNTS.withTags(e -> "bank");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Object> account = perpetua.start(type, id);
            account.call(new Bank.Deposit(Money.eur("10.00")));
            account.call(new Bank.Deposit(Money.eur("10000.00")));
        }
        assertThat(journal(id)).extracting(StoredEvent::tags)
                .containsExactly(Set.of("bank"), Set.of("bank", "large-deposit"));
    }

    @Test
    void an_adapter_may_store_another_type_on_write_and_read_it_back_as_the_current_one() {
        record Legacy(String text) {}
        String id = fresh("write-adapter");
        ProcessType<Object, List<Object>, Noted> type = NOTES.withEventAdapter(new EventAdapter<>() {
            @Override
            public Tagged toJournal(Noted event) {
                return Tagged.of(new Legacy(String.valueOf(event.what())), "legacy");
            }

            @Override
            public List<Noted> fromJournal(io.perpetua.RawEvent stored) {
                return List.of(new Noted(stored.as(Legacy.class).text()));
            }
        });
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThat(perpetua.start(type, id).<List<Object>>call("hello")).containsExactly("hello");
        }
        StoredEvent stored = journal(id).getFirst();
        assertThat(((Payload.Serialized) stored.payload()).manifest()).isEqualTo(Legacy.class.getName());
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThat(perpetua.readState(type, id).state()).containsExactly("hello");
            assertThat(perpetua.decode(stored)).isEqualTo(new Legacy("hello"));
            assertThat(perpetua.decode(type, stored)).containsExactly(new Noted("hello"));
        }
    }
}
