package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.DurableStateRecord;
import io.perpetua.spi.Payload;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: a durable-state process stores its whole (mapped) state after each message that changes it. */
class DurableStateTest {

    /** A score with an ephemeral field that is not stored. */
    record Score(int points, String lastSeenBy) {}

    sealed interface Cmd permits Add, Look {}

    record Add(int points) implements Cmd {}

    record Look(String who) implements Cmd {}

    static Score handle(Score s, Cmd cmd) {
        return switch (cmd) {
            case Add a when a.points() < 0 -> throw new IllegalArgumentException("negative points");
            case Add a -> new Score(s.points() + a.points(), s.lastSeenBy());
            case Look l -> new Score(s.points(), l.who());
        };
    }

    static final ProcessType<Cmd, Score, Void> SCORES = ProcessType.durableState("score", new Score(0, null),
            DurableStateTest::handle, s -> new Score(s.points(), null));

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    private DurableStateRecord stored(String id) {
        return perpetua.store().durableState().load(id).orElseThrow();
    }

    @Test
    void a_message_that_changes_the_state_stores_the_mapped_state_with_the_next_revision() {
        String id = Ids.fresh("score");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES, id);

        Score after = ref.call(new Add(5));
        ref.call(new Add(2));

        assertThat(after).isEqualTo(new Score(5, null));
        assertThat(stored(id).revision()).isEqualTo(2);
        assertThat(stored(id).payload()).isEqualTo(new Payload.Reference(new Score(7, null)));
    }

    @Test
    void a_message_that_leaves_the_state_equal_stores_nothing() {
        String id = Ids.fresh("unchanged");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES, id);
        ref.call(new Add(5));

        ref.call(new Add(0));

        assertThat(stored(id).revision()).isEqualTo(1);
    }

    @Test
    void the_stored_form_drops_ephemeral_fields_and_a_revived_process_starts_from_it() {
        String id = Ids.fresh("ephemeral");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES.withPassivateAfter(Duration.ofMillis(50)), id);
        ref.call(new Add(3));
        Score live = ref.call(new Look("ann"));
        assertThat(live).isEqualTo(new Score(3, "ann"));
        assertThat(stored(id).payload()).isEqualTo(new Payload.Reference(new Score(3, null)));

        Await.until("the process passivates", () -> !ref.isAlive());

        assertThat(ref.<Score>call(new Add(1))).isEqualTo(new Score(4, null));
    }

    @Test
    void a_handler_that_throws_fails_its_message_and_stores_nothing() {
        String id = Ids.fresh("rejected");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES, id);
        ref.call(new Add(1));

        assertThatThrownBy(() -> ref.call(new Add(-1))).isInstanceOf(IllegalArgumentException.class);

        assertThat(stored(id).revision()).isEqualTo(1);
        assertThat(ref.<Score>call(new Add(0))).isEqualTo(new Score(1, null));
    }

    @Test
    void another_writer_fences_the_process_with_a_revision_conflict_and_the_process_reloads_its_state() {
        String id = Ids.fresh("fenced");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES, id);
        ref.call(new Add(1));
        assertThat(perpetua.store().durableState().upsert(id, 1, new Payload.Reference(new Score(100, null)))).isTrue();

        assertThatThrownBy(() -> ref.call(new Add(1)))
                .isInstanceOf(ConcurrencyConflictException.class)
                .hasMessageContaining(id);

        assertThat(ref.<Score>call(new Add(1))).isEqualTo(new Score(101, null));
        assertThat(stored(id).revision()).isEqualTo(3);
    }

    @Test
    void erase_on_stop_deletes_the_stored_state_and_a_later_message_starts_fresh() {
        String id = Ids.fresh("erased");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES.withEraseOnStop(true), id);
        ref.call(new Add(9));

        ref.stop();

        assertThat(perpetua.store().durableState().load(id)).isEmpty();
        assertThat(ref.<Score>call(new Add(1))).isEqualTo(new Score(1, null));
    }

    @Test
    void a_durable_state_process_that_crashes_restarts_from_its_stored_state_and_retries_the_message() {
        AtomicInteger attempts = new AtomicInteger();
        ProcessType<Cmd, Score, Void> flaky = ProcessType.<Cmd, Score>durableState("flaky-score", new Score(0, null),
                (s, cmd) -> {
                    if (cmd instanceof Look && attempts.incrementAndGet() == 1) throw new AssertionError("crash");
                    return handle(s, cmd);
                }).withRestartBackoff(Duration.ofMillis(1), Duration.ofMillis(10));
        String id = Ids.fresh("flaky");
        ProcessRef<Cmd> ref = perpetua.ref(flaky, id);
        ref.call(new Add(2));

        Score after = ref.call(new Look("eve"));

        assertThat(after).isEqualTo(new Score(2, "eve"));
        assertThat(attempts).hasValue(2);
    }

    @Test
    void read_state_returns_the_stored_state_and_its_revision_without_starting_the_process() {
        String id = Ids.fresh("read");
        ProcessRef<Cmd> ref = perpetua.ref(SCORES, id);
        ref.call(new Add(4));
        ref.stop();

        RecoveredState<Score> read = perpetua.readState(SCORES, id);

        assertThat(read.state()).isEqualTo(new Score(4, null));
        assertThat(read.sequenceNr()).isEqualTo(1);
        assertThat(perpetua.liveProcesses()).isZero();
    }

    @Test
    void a_store_without_durable_state_fails_the_first_message_naming_the_store() {
        FaultyStore store = FaultyStore.overMemory();
        try (Perpetua p = Perpetua.builder().store(store).build()) {
            String id = Ids.fresh("unsupported");
            assertThatThrownBy(() -> p.ref(SCORES, id).call(new Add(1)))
                    .isInstanceOf(RecoveryFailedException.class)
                    .hasMessageContaining(id)
                    .hasMessageContaining("does not support durable-state processes");
        } finally {
            store.close();
        }
    }
}
