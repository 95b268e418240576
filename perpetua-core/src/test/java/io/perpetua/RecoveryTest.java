package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Serializer;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 7: recovery from the newest readable snapshot, then the later events in bounded batches. */
class RecoveryTest {

    private final FaultyStore store = FaultyStore.overMemory();

    @AfterEach
    void close() {
        store.close();
    }

    private static List<String> values(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "v" + i).toList();
    }

    /** Persists v1..vN one event per value, with a snapshot after each multiple of {@code snapshotEvery} (0: none). */
    private void write(String id, int n, int snapshotAt, Serializer serializer) {
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            for (String v : values(1, n)) {
                ref.call(add(v));
                List<String> state = ref.call(get());
                if (snapshotAt > 0 && state.size() % snapshotAt == 0) ref.call(run(ctx -> ctx.saveSnapshot()));
            }
        }
        store.clearRecords();
    }

    private List<String> recover(String id, ProcessType<Accumulator.Command, List<String>, Accumulator.Added> type,
            Serializer serializer) {
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            return perpetua.start(type, id).call(get());
        }
    }

    @Test
    void recovery_reads_events_in_batches_of_the_configured_size_and_never_more() {
        String id = Ids.fresh("batches");
        write(id, 95, 0, null);

        List<String> state = recover(id, Accumulator.type().withRecoveryBatchSize(10), null);

        assertThat(state).containsExactlyElementsOf(values(1, 95));
        List<FaultyStore.Read> reads = store.reads(id);
        assertThat(reads).isNotEmpty().allSatisfy(r -> assertThat(r.max()).isEqualTo(10));
        assertThat(reads).hasSize(10);
        assertThat(reads).extracting(FaultyStore.Read::fromSequenceNr)
                .containsExactly(1L, 11L, 21L, 31L, 41L, 51L, 61L, 71L, 81L, 91L);
    }

    @Test
    void a_snapshot_at_the_last_event_leaves_no_event_to_read() {
        String id = Ids.fresh("at-snapshot");
        write(id, 30, 10, null);
        assertThat(store.snapshotSequenceNrs(id)).containsExactly(20L, 30L);

        List<String> state = recover(id, Accumulator.type(), null);

        assertThat(state).containsExactlyElementsOf(values(1, 30));
        assertThat(store.reads(id)).isEmpty();
    }

    @Test
    void recovery_starts_after_the_newest_snapshot() {
        String id = Ids.fresh("snapshot-plus-events");
        write(id, 25, 10, null);

        List<String> state = recover(id, Accumulator.type(), null);

        assertThat(state).containsExactlyElementsOf(values(1, 25));
        assertThat(store.reads(id)).first().extracting(FaultyStore.Read::fromSequenceNr).isEqualTo(21L);
    }

    @Test
    void an_unreadable_newest_snapshot_is_skipped_and_the_older_one_used() {
        String id = Ids.fresh("corrupt-snapshot");
        JavaSerializer serializer = new JavaSerializer();
        write(id, 25, 10, serializer);
        store.replaceSnapshotPayload(id, 20, FaultyStore.garbage("java.util.ImmutableCollections$ListN"));

        List<String> state = recover(id, Accumulator.type(), serializer);

        assertThat(state).containsExactlyElementsOf(values(1, 25));
        assertThat(store.reads(id)).first().extracting(FaultyStore.Read::fromSequenceNr).isEqualTo(11L);
    }

    @Test
    void when_no_snapshot_is_readable_the_whole_journal_is_replayed() {
        String id = Ids.fresh("no-readable-snapshot");
        write(id, 25, 10, new JavaSerializer());
        JavaSerializer cannotReadStates = new JavaSerializer()
                .failingToRead(p -> !p.manifest().equals(Accumulator.Added.class.getName()));

        List<String> state = recover(id, Accumulator.type(), cannotReadStates);

        assertThat(state).containsExactlyElementsOf(values(1, 25));
        assertThat(store.reads(id)).first().extracting(FaultyStore.Read::fromSequenceNr).isEqualTo(1L);
    }

    @Test
    void a_process_with_no_events_recovers_to_its_initial_state_without_reading_events() {
        String id = Ids.fresh("empty");

        List<String> state = recover(id, Accumulator.type(), null);

        assertThat(state).isEmpty();
        assertThat(store.reads(id)).isEmpty();
    }
}
