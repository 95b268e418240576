package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: optionally erase a process's data when it stops normally. */
class EraseOnStopTest {

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    private static ProcessType<Accumulator.Command, List<String>, Accumulator.Added> erasing() {
        return Accumulator.type().withSnapshotEvery(2).withEraseOnStop(true);
    }

    @Test
    void a_normal_stop_deletes_the_events_and_snapshots_leaving_the_initial_state_at_the_last_sequence_number() {
        String id = Ids.fresh("erase");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(erasing(), id);
        ref.call(add("a"));
        ref.call(add("b"));
        ref.call(add("c"));

        ref.stop();

        assertThat(perpetua.store().journal().read(id, 1, Long.MAX_VALUE, 100)).isEmpty();
        assertThat(perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.upTo(2))).isEmpty();
        // only the marker is left: the initial state at the last sequence number
        assertThat(perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest()))
                .hasValueSatisfying(marker -> {
                    assertThat(marker.sequenceNr()).isEqualTo(3);
                    assertThat(marker.payload()).isEqualTo(new Payload.Reference(List.of()));
                });
    }

    @Test
    void a_message_after_the_erasing_stop_starts_the_process_fresh_with_the_numbering_continued() {
        String id = Ids.fresh("fresh");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(erasing(), id);
        ref.call(add("a"));
        ref.call(add("b"));
        ref.call(run(ctx -> ctx.stop()));

        assertThat(ref.<List<String>>call(get())).isEmpty();
        assertThat(ref.<List<String>>call(add("c"))).containsExactly("c");
        assertThat(ref.<Long>call(run(ctx -> ctx.reply(ctx.lastSequenceNr())))).isEqualTo(3L);
    }

    @Test
    void passivation_keeps_the_data() {
        String id = Ids.fresh("kept");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(erasing().withPassivateAfter(Duration.ofMillis(50)), id);
        ref.call(add("a"));

        Await.until("the process passivates", () -> !ref.isAlive());

        assertThat(ref.<List<String>>call(get())).containsExactly("a");
    }

    @Test
    void closing_the_runtime_keeps_the_data() {
        String store = Ids.freshMemoryStore();
        String id = Ids.fresh("closed");
        try (Perpetua first = Perpetua.open(store)) {
            first.ref(erasing(), id).call(add("a"));
        }
        try (Perpetua second = Perpetua.open(store)) {
            assertThat(second.ref(erasing(), id).<List<String>>call(get())).containsExactly("a");
        }
    }
}
