package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 8: snapshots on demand and every N events, with retention; a failed save is a warning. */
class SnapshotTest {

    private final FaultyStore store = FaultyStore.overMemory();

    @AfterEach
    void close() {
        store.close();
    }

    private static List<String> values(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "v" + i).toList();
    }

    private static void addEach(ProcessRef<Accumulator.Command> ref, List<String> values) {
        for (String v : values) ref.call(add(v));
    }

    private SnapshotRecord latestSnapshot(String id) {
        return store.delegate().snapshots().loadLatest(id, SnapshotCriteria.latest()).orElseThrow();
    }

    @Test
    void a_snapshot_on_demand_saves_the_current_state_at_the_current_sequence_number() {
        String id = Ids.fresh("on-demand");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            addEach(ref, values(1, 3));

            ref.call(run(ctx -> ctx.saveSnapshot()));

            SnapshotRecord snapshot = latestSnapshot(id);
            assertThat(snapshot.sequenceNr()).isEqualTo(3);
            assertThat(((Payload.Reference) snapshot.payload()).value()).isEqualTo(values(1, 3));
        }
    }

    @Test
    void a_snapshot_is_saved_every_n_events() {
        String id = Ids.fresh("every-n");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref =
                    perpetua.start(Accumulator.type().withSnapshotEvery(5).withSnapshotRetention(10), id);

            addEach(ref, values(1, 12));

            assertThat(store.snapshotSequenceNrs(id)).containsExactly(5L, 10L);
            assertThat(((Payload.Reference) latestSnapshot(id).payload()).value()).isEqualTo(values(1, 10));
        }
    }

    @Test
    void a_persist_all_that_jumps_over_a_multiple_of_n_still_snapshots() {
        String id = Ids.fresh("jump");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type().withSnapshotEvery(5), id);
            addEach(ref, values(1, 3));

            ref.call(addAll("v4", "v5", "v6", "v7"));

            assertThat(store.snapshotSequenceNrs(id)).containsExactly(7L);
            assertThat(((Payload.Reference) latestSnapshot(id).payload()).value()).isEqualTo(values(1, 7));
        }
    }

    @Test
    void retention_keeps_only_the_newest_k_snapshots() {
        String id = Ids.fresh("retention");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref =
                    perpetua.start(Accumulator.type().withSnapshotEvery(2).withSnapshotRetention(3), id);

            addEach(ref, values(1, 11));

            assertThat(store.snapshotSequenceNrs(id)).containsExactly(6L, 8L, 10L);
            assertThat(store.events(id)).as("events stay unless deletion is asked for").hasSize(11);
        }
    }

    @Test
    void deleting_events_on_snapshot_removes_those_covered_by_the_oldest_kept_snapshot_and_recovery_still_works() {
        String id = Ids.fresh("delete-events");
        var type = Accumulator.type().withSnapshotEvery(3).withSnapshotRetention(2).withDeleteEventsOnSnapshot(true);
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            addEach(perpetua.start(type, id), values(1, 10));
        }

        assertThat(store.snapshotSequenceNrs(id)).containsExactly(6L, 9L);
        assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(7L, 8L, 9L, 10L);
        assertThat(store.delegate().journal().highestSequenceNr(id)).isEqualTo(10);

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);
            List<String> recovered = ref.call(get());
            assertThat(recovered).containsExactlyElementsOf(values(1, 10));
            ref.call(add("v11"));
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).endsWith(11L);
        }
    }

    @Test
    void recovery_uses_the_older_kept_snapshot_when_the_newest_is_unreadable_after_events_were_deleted() {
        String id = Ids.fresh("delete-events-corrupt");
        var type = Accumulator.type().withSnapshotEvery(3).withSnapshotRetention(2).withDeleteEventsOnSnapshot(true);
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            addEach(perpetua.start(type, id), values(1, 10));
        }
        store.replaceSnapshotPayload(id, 9, FaultyStore.garbage("state"));

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            List<String> recovered = perpetua.start(type, id).call(get());
            assertThat(recovered).containsExactlyElementsOf(values(1, 10));
        }
    }

    @Test
    void recovery_fails_rather_than_skip_deleted_events_that_no_readable_snapshot_covers() {
        String id = Ids.fresh("deleted-uncovered");
        var type = Accumulator.type().withSnapshotEvery(3).withSnapshotRetention(1).withDeleteEventsOnSnapshot(true);
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            addEach(perpetua.start(type, id), values(1, 10));
        }
        assertThat(store.snapshotSequenceNrs(id)).containsExactly(9L);
        store.replaceSnapshotPayload(id, 9, FaultyStore.garbage("state"));

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThatThrownBy(() -> perpetua.start(type, id))
                    .isInstanceOfSatisfying(RecoveryFailedException.class, e -> assertThat(e.sequenceNr()).isEqualTo(1))
                    .hasMessageContaining(id)
                    .hasMessageContaining("events 1 to 9")
                    .hasMessageContaining("deleted");
        }
    }

    @Test
    void a_failed_snapshot_write_is_a_warning_and_the_call_still_succeeds() {
        String id = Ids.fresh("snapshot-fails");
        store.failSnapshotSaves(true);
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type().withSnapshotEvery(1), id);

            List<String> afterAutomatic = ref.call(add("a"));
            String afterOnDemand = ref.call(run(ctx -> {
                ctx.saveSnapshot();
                ctx.reply("still here");
            }));

            assertThat(afterAutomatic).containsExactly("a");
            assertThat(afterOnDemand).isEqualTo("still here");
            assertThat(store.snapshotSequenceNrs(id)).isEmpty();
            assertThat(ref.isAlive()).isTrue();

            store.failSnapshotSaves(false);
            ref.call(add("b"));
            assertThat(store.snapshotSequenceNrs(id)).containsExactly(2L);
        }
    }
}
