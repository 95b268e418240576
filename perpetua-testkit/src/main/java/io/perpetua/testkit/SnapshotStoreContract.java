package io.perpetua.testkit;

import static io.perpetua.testkit.Samples.freshId;
import static io.perpetua.testkit.Samples.now;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite for {@link SnapshotStore}, modelled on the Pekko persistence TCK's
 * {@code SnapshotStoreSpec}: loading the latest snapshot under sequence number and timestamp bounds,
 * deleting one snapshot or those selected by criteria, overwriting, large snapshots and exact
 * payload round trips. A store is conformant when a subclass that opens it passes every test:
 *
 * <pre>{@code
 * class MySnapshotStoreTest extends SnapshotStoreContract {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openStore()} is called once before the tests of the class (the store is closed after
 * them) and once more by {@code every_call_after_close_throws_illegal_state_exception}, which
 * closes the store it gets; each call must return a newly opened {@link Store}, which may share its
 * data with the others. Tests isolate themselves by fresh random persistence ids and never wipe
 * anything. Timestamps are compared at microsecond precision, which every store must keep.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SnapshotStoreContract {

    private static final Instant T1 = Instant.parse("2024-05-01T10:00:00.000001Z");
    private static final Instant T2 = Instant.parse("2024-05-01T10:00:01.000001Z");
    private static final Instant T3 = Instant.parse("2024-05-01T10:00:02.000001Z");
    private static final Duration MICRO = Duration.ofNanos(1_000);

    private Store store;
    private SnapshotStore snapshots;

    /** For subclasses, one per store. */
    protected SnapshotStoreContract() {}

    /**
     * Opens the store under test; see the class comment for when it is called.
     *
     * @return a newly opened store
     * @throws Exception if the store cannot be opened, which fails the suite
     */
    protected abstract Store openStore() throws Exception;

    @BeforeAll
    final void openTheStore() throws Exception {
        store = openStore();
        snapshots = store.snapshots();
    }

    @AfterAll
    final void closeTheStore() {
        if (store != null) store.close();
    }

    // ------------------------------------------------------------------------------------ loading

    @Test
    void loads_the_snapshot_with_the_highest_sequence_number() {
        String id = freshId("latest");
        for (int seq : new int[] {3, 1, 5, 2, 4}) save(id, seq, T1.plusSeconds(seq));

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).contains(snapshot(id, 5, T1.plusSeconds(5)));
    }

    @Test
    void loads_the_latest_snapshot_at_or_below_a_max_sequence_number() {
        String id = threeSnapshots();

        assertThat(seqOf(id, SnapshotCriteria.upTo(20))).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(25))).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(10))).contains(10L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(Long.MAX_VALUE))).contains(30L);
    }

    @Test
    void loads_the_latest_snapshot_taken_at_or_before_a_max_timestamp() {
        String id = threeSnapshots();

        assertThat(seqOf(id, SnapshotCriteria.takenAtOrBefore(T2))).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.takenAtOrBefore(T2.minus(MICRO)))).contains(10L);
        assertThat(seqOf(id, SnapshotCriteria.takenAtOrBefore(Instant.MAX))).contains(30L);
    }

    @Test
    void loads_the_latest_snapshot_within_both_a_max_sequence_number_and_a_max_timestamp() {
        String id = threeSnapshots();

        assertThat(seqOf(id, new SnapshotCriteria(30, T1, 0, Instant.MIN))).contains(10L);
        assertThat(seqOf(id, new SnapshotCriteria(20, T3, 0, Instant.MIN))).contains(20L);
    }

    @Test
    void prefers_the_highest_sequence_number_over_the_latest_timestamp() {
        String id = freshId("clock");
        save(id, 10, T2);
        save(id, 20, T1);

        assertThat(seqOf(id, SnapshotCriteria.latest())).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.takenAtOrBefore(T2))).contains(20L);
    }

    @Test
    void loads_nothing_when_the_criteria_select_below_the_first_snapshot() {
        String id = threeSnapshots();

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(9))).isEmpty();
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.takenAtOrBefore(T1.minus(MICRO)))).isEmpty();
        assertThat(seqOf(id, SnapshotCriteria.upTo(10))).as("at the first snapshot").contains(10L);
    }

    @Test
    void applies_a_min_sequence_number() {
        String id = threeSnapshots();

        assertThat(seqOf(id, SnapshotCriteria.latest().withMinSequenceNr(30))).contains(30L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(25).withMinSequenceNr(15))).contains(20L);
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest().withMinSequenceNr(31))).isEmpty();
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(15).withMinSequenceNr(11))).isEmpty();
    }

    @Test
    void applies_a_min_timestamp() {
        String id = threeSnapshots();

        assertThat(seqOf(id, SnapshotCriteria.takenAtOrBefore(T2).withMinTimestamp(T2))).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(25).withMinTimestamp(T1.plus(MICRO)))).contains(20L);
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest().withMinTimestamp(T3.plus(MICRO)))).isEmpty();
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(10).withMinTimestamp(T2))).isEmpty();
    }

    @Test
    void snapshots_of_one_process_are_invisible_to_another() {
        String a = freshId("a");
        String b = freshId("b");
        save(a, 5, T1);
        save(b, 3, T2);

        assertThat(seqOf(a, SnapshotCriteria.latest())).contains(5L);
        assertThat(seqOf(b, SnapshotCriteria.latest())).contains(3L);
    }

    @Test
    void an_unknown_persistence_id_has_no_snapshot() {
        assertThat(snapshots.loadLatest(freshId("unknown"), SnapshotCriteria.latest())).isEmpty();
    }

    // ------------------------------------------------------------------------------------ deleting

    @Test
    void deletes_one_snapshot_by_sequence_number() {
        String id = threeSnapshots();

        snapshots.delete(id, 20);

        assertThat(seqOf(id, SnapshotCriteria.upTo(25))).contains(10L);
        assertThat(seqOf(id, SnapshotCriteria.latest())).contains(30L);
    }

    @Test
    void deleting_a_sequence_number_without_a_snapshot_changes_nothing() {
        String id = threeSnapshots();

        snapshots.delete(id, 15);
        snapshots.delete(freshId("unknown"), 15);

        assertThat(seqOf(id, SnapshotCriteria.upTo(25))).contains(20L);
        assertThat(seqOf(id, SnapshotCriteria.upTo(15))).contains(10L);
    }

    @Test
    void deletes_only_the_snapshots_the_criteria_select() {
        String id = freshId("delete-criteria");
        for (int seq = 1; seq <= 5; seq++) save(id, seq, T1.plusSeconds(seq));

        snapshots.delete(id, SnapshotCriteria.upTo(4).withMinSequenceNr(2));

        assertThat(seqOf(id, SnapshotCriteria.upTo(4))).contains(1L);
        assertThat(seqOf(id, SnapshotCriteria.latest())).contains(5L);
    }

    @Test
    void deletes_the_snapshots_selected_by_timestamp() {
        String id = threeSnapshots();

        snapshots.delete(id, SnapshotCriteria.takenAtOrBefore(T2));

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(20))).isEmpty();
        assertThat(seqOf(id, SnapshotCriteria.latest())).contains(30L);
    }

    @Test
    void deleting_by_criteria_leaves_other_processes_alone() {
        String a = threeSnapshots();
        String b = threeSnapshots();

        snapshots.delete(a, SnapshotCriteria.latest());

        assertThat(snapshots.loadLatest(a, SnapshotCriteria.latest())).isEmpty();
        assertThat(seqOf(b, SnapshotCriteria.latest())).contains(30L);
    }

    // ------------------------------------------------------------------------------------ saving

    @Test
    void saving_at_the_same_sequence_number_overwrites() {
        String id = freshId("overwrite");
        snapshots.save(new SnapshotRecord(id, 5, T1, payload("first")));
        snapshots.save(new SnapshotRecord(id, 5, T2, payload("second")));

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest()))
                .contains(new SnapshotRecord(id, 5, T2, payload("second")));
        snapshots.delete(id, 5);
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).as("after deleting the only key").isEmpty();
    }

    @Test
    void round_trips_a_large_snapshot() {
        String id = freshId("large");
        byte[] bytes = new byte[4 << 20];
        new Random(7).nextBytes(bytes);
        SnapshotRecord large = new SnapshotRecord(id, 1000, T1, new Payload.Serialized("state.Large", 2, bytes));

        snapshots.save(large);

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).contains(large);
    }

    @Test
    void round_trips_manifest_schema_version_bytes_and_timestamp_exactly() {
        String id = freshId("round-trip");
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) everyByte[i] = (byte) i;
        SnapshotRecord atZero = new SnapshotRecord(id, 0, Instant.parse("1969-12-31T23:59:59.999999Z"),
                new Payload.Serialized("état.Initial😀", Integer.MAX_VALUE, new byte[0]));
        SnapshotRecord later = new SnapshotRecord(id, 7, Instant.parse("2999-12-31T23:59:59.999999Z"),
                new Payload.Serialized("com.example.Account", 3, everyByte));
        SnapshotRecord now = new SnapshotRecord(id, 3, now(), payload("now"));
        snapshots.save(atZero);
        snapshots.save(later);
        snapshots.save(now);

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(0))).contains(atZero);
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.upTo(5))).contains(now);
        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).contains(later);
    }

    @Test
    void accepts_the_longest_persistence_id_with_any_non_control_characters() {
        String id = Samples.longestId(freshId("long"));
        SnapshotRecord record = new SnapshotRecord(id, 1, T1, payload("state"));

        snapshots.save(record);

        assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).contains(record);
    }

    @Test
    void a_caller_cannot_change_a_stored_snapshot_through_the_array_it_passed_in() {
        String id = freshId("bytes-in");
        byte[] bytes = {1, 2, 3};
        snapshots.save(new SnapshotRecord(id, 1, T1, new Payload.Serialized("m", 1, bytes)));

        bytes[0] = 99;

        assertThat(storedBytes(id)).containsExactly(1, 2, 3);
    }

    @Test
    void a_caller_cannot_change_a_stored_snapshot_through_the_array_it_got_back() {
        String id = freshId("bytes-out");
        snapshots.save(new SnapshotRecord(id, 1, T1, new Payload.Serialized("m", 1, new byte[] {1, 2, 3})));

        storedBytes(id)[0] = 99;

        assertThat(storedBytes(id)).containsExactly(1, 2, 3);
    }

    @Test
    void a_reference_payload_is_kept_by_reference_or_refused_as_the_store_declares() {
        String id = freshId("reference");
        Object state = new StringBuilder("kept by reference");
        SnapshotRecord record = new SnapshotRecord(id, 1, T1, new Payload.Reference(state));

        if (store.acceptsReferences()) {
            snapshots.save(record);
            assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).hasValueSatisfying(s ->
                    assertThat(s.payload()).isInstanceOfSatisfying(Payload.Reference.class,
                            r -> assertThat(r.value()).isSameAs(state)));
        } else {
            assertThatThrownBy(() -> snapshots.save(record))
                    .as("saving a reference payload in a store that does not accept references")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(snapshots.loadLatest(id, SnapshotCriteria.latest())).isEmpty();
        }
    }

    @Test
    void every_call_after_close_throws_illegal_state_exception() throws Exception {
        Store other = openStore();
        assertThat(other).as("openStore() must return a new store each time").isNotSameAs(store);
        SnapshotStore closed = other.snapshots();
        other.close();
        String id = freshId("closed");

        assertThatThrownBy(() -> closed.save(new SnapshotRecord(id, 1, T1, payload("s"))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.loadLatest(id, SnapshotCriteria.latest()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.delete(id, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.delete(id, SnapshotCriteria.latest())).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------------------------ fixture

    /** A fresh process with snapshots at 10 (taken at T1), 20 (T2) and 30 (T3). */
    private String threeSnapshots() {
        String id = freshId("three");
        save(id, 10, T1);
        save(id, 20, T2);
        save(id, 30, T3);
        return id;
    }

    private void save(String id, long seq, Instant timestamp) {
        snapshots.save(snapshot(id, seq, timestamp));
    }

    private static SnapshotRecord snapshot(String id, long seq, Instant timestamp) {
        return new SnapshotRecord(id, seq, timestamp, payload("state@" + seq));
    }

    private static Payload.Serialized payload(String text) {
        return new Payload.Serialized("state.Text", 1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The sequence number of the snapshot loaded, checking that its payload and timestamp belong to it. */
    private Optional<Long> seqOf(String id, SnapshotCriteria criteria) {
        Optional<SnapshotRecord> loaded = snapshots.loadLatest(id, criteria);
        loaded.ifPresent(s -> {
            assertThat(s.persistenceId()).isEqualTo(id);
            assertThat(s.payload()).isEqualTo(payload("state@" + s.sequenceNr()));
        });
        return loaded.map(SnapshotRecord::sequenceNr);
    }

    private byte[] storedBytes(String id) {
        return ((Payload.Serialized) snapshots.loadLatest(id, SnapshotCriteria.latest()).orElseThrow().payload()).bytes();
    }
}
