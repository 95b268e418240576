package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: an idle process passivates and leaves memory; the next message revives it. */
class PassivationTest {

    private static final Duration IDLE = Duration.ofMillis(100);

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    private static ProcessType<Accumulator.Command, List<String>, Accumulator.Added> passivating() {
        return Accumulator.type().withPassivateAfter(IDLE);
    }

    @Test
    void an_idle_process_passivates_and_leaves_the_registry() {
        ProcessRef<Accumulator.Command> ref = perpetua.ref(passivating(), Ids.fresh("idle"));
        ref.call(add("a"));
        assertThat(perpetua.liveProcesses()).isEqualTo(1);

        Await.until("the process passivates", () -> perpetua.liveProcesses() == 0);

        assertThat(ref.isAlive()).isFalse();
    }

    @Test
    void a_passivated_process_revives_on_its_next_message_with_exactly_the_state_it_had() {
        String id = Ids.fresh("revive");
        ProcessType<Accumulator.Command, List<String>, Accumulator.Added> type = passivating().withSnapshotEvery(3);
        ProcessRef<Accumulator.Command> ref = perpetua.ref(type, id);
        for (String v : List.of("a", "b", "c", "d", "e")) ref.call(add(v));
        long seqBefore = ref.<Long>call(run(ctx -> ctx.reply(ctx.lastSequenceNr())));
        assertThat(perpetua.store().snapshots().loadLatest(id, SnapshotCriteria.latest())).isPresent();
        Await.until("the process passivates", () -> !ref.isAlive());

        List<String> revived = ref.call(get());

        assertThat(revived).containsExactly("a", "b", "c", "d", "e");
        assertThat(ref.<Long>call(run(ctx -> ctx.reply(ctx.lastSequenceNr())))).isEqualTo(seqBefore);
        assertThat(ref.<List<String>>call(add("f"))).containsExactly("a", "b", "c", "d", "e", "f");
    }

    @Test
    void a_cast_or_an_info_message_to_a_passivated_process_revives_it_too() {
        String id = Ids.fresh("cast");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(passivating(), id);
        ref.cast(add("a"));
        Await.until("the process passivates", () -> perpetua.liveProcesses() == 0);

        ref.cast(add("b"));
        Await.until("the process passivates again", () -> perpetua.liveProcesses() == 0);
        ref.send("c"); // the accumulator persists a string info message

        Await.until("all three values are in the journal",
                () -> perpetua.store().journal().highestSequenceNr(id) == 3);
        assertThat(ref.<List<String>>call(get())).containsExactly("a", "b", "c");
    }

    @Test
    void a_process_receiving_messages_more_often_than_its_timeout_stays_live() throws InterruptedException {
        Duration idle = Duration.ofMillis(500);
        ProcessRef<Accumulator.Command> handle = perpetua.start(Accumulator.type().withPassivateAfter(idle),
                Ids.fresh("busy"));
        for (int i = 0; i < 10; i++) {
            handle.call(add("v" + i));
            Thread.sleep(idle.toMillis() / 10);
        }

        assertThat(handle.isAlive()).isTrue();
    }

    @Test
    void pending_timers_are_cancelled_on_passivation_and_do_not_revive_the_process() throws InterruptedException {
        String id = Ids.fresh("timer");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(passivating(), id);
        AtomicBoolean fired = new AtomicBoolean();
        ref.call(run(ctx -> {
            ctx.sendAfter(IDLE.multipliedBy(3), (Accumulator.Step) c -> fired.set(true));
            ctx.reply("timer set");
        }));
        Await.until("the process passivates", () -> !ref.isAlive());

        Thread.sleep(IDLE.multipliedBy(5).toMillis());

        assertThat(fired).isFalse();
        assertThat(perpetua.liveProcesses()).isZero();
    }

    @Test
    void a_handle_from_start_refuses_messages_once_its_process_passivated() {
        String id = Ids.fresh("handle");
        ProcessRef<Accumulator.Command> handle = perpetua.start(passivating(), id);
        handle.call(add("a"));
        Await.until("the process passivates", () -> !handle.isAlive());

        assertThatThrownBy(() -> handle.call(get()))
                .isInstanceOf(ProcessStoppedException.class)
                .hasMessageContaining("passivated");
        assertThat(perpetua.ref(passivating(), id).<List<String>>call(get())).containsExactly("a");
    }

    @Test
    void the_cap_on_live_processes_passivates_the_least_recently_used() throws InterruptedException {
        try (Perpetua capped = Perpetua.builder().store("memory:").maxLiveProcesses(2).build()) {
            ProcessRef<Accumulator.Command> a = capped.ref(Accumulator.type(), Ids.fresh("a"));
            ProcessRef<Accumulator.Command> b = capped.ref(Accumulator.type(), Ids.fresh("b"));
            ProcessRef<Accumulator.Command> c = capped.ref(Accumulator.type(), Ids.fresh("c"));
            a.call(add("a1"));
            Thread.sleep(5);
            b.call(add("b1"));
            Thread.sleep(5);
            a.call(add("a2"));
            Thread.sleep(5);

            c.call(add("c1"));

            Await.until("b, the least recently used, passivates", () -> !b.isAlive() && capped.liveProcesses() == 2);
            assertThat(a.isAlive()).isTrue();
            assertThat(c.isAlive()).isTrue();
            assertThat(b.<List<String>>call(get())).containsExactly("b1");
        }
    }

    @Test
    void a_non_positive_passivation_timeout_is_rejected() {
        assertThatThrownBy(() -> Accumulator.type().withPassivateAfter(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
