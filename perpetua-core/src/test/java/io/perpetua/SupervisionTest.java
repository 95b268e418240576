package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: restart policies, restart with backoff, and poison messages sent to the dead letters. */
class SupervisionTest {

    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final Perpetua perpetua = Perpetua.builder().store("memory:").deadLetters(deadLetters::add).build();

    @AfterEach
    void close() {
        perpetua.close();
    }

    private static ProcessType<Accumulator.Command, List<String>, Accumulator.Added> fastRestarts() {
        return Accumulator.type().withRestartBackoff(Duration.ofMillis(1), Duration.ofMillis(10));
    }

    @Test
    void a_handler_that_throws_an_exception_fails_only_its_message_and_keeps_the_state() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(fastRestarts(), Ids.fresh("exception"));
        ref.call(add("a"));

        assertThatThrownBy(() -> ref.call(run(ctx -> {
            throw new IllegalStateException("bad command");
        }))).isInstanceOf(IllegalStateException.class);

        assertThat(ref.<List<String>>call(get())).containsExactly("a");
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void a_crash_restarts_the_process_from_the_journal_and_tries_the_message_again() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(fastRestarts(), Ids.fresh("crash-once"));
        ref.call(add("a"));
        AtomicInteger attempts = new AtomicInteger();

        Object reply = ref.call(run(ctx -> {
            if (attempts.incrementAndGet() == 1) throw new AssertionError("corrupt in-memory state");
            ctx.reply(ctx.state());
        }));

        assertThat(reply).isEqualTo(List.of("a"));
        assertThat(attempts).hasValue(2);
        assertThat(ref.isAlive()).isTrue();
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void a_message_that_keeps_crashing_the_process_goes_to_the_dead_letters_and_its_caller_gets_a_clear_error() {
        String id = Ids.fresh("poison-message");
        ProcessRef<Accumulator.Command> ref = perpetua.start(fastRestarts().withMessageAttempts(3), id);
        ref.call(add("a"));
        AtomicInteger attempts = new AtomicInteger();
        Accumulator.Run poison = run(ctx -> {
            attempts.incrementAndGet();
            throw new AssertionError("always crashes");
        });

        assertThatThrownBy(() -> ref.call(poison))
                .isInstanceOf(PoisonMessageException.class)
                .hasMessageContaining(id)
                .hasMessageContaining("3 times")
                .hasMessageContaining("dead letters")
                .satisfies(e -> assertThat(((PoisonMessageException) e).attempts()).isEqualTo(3));

        assertThat(attempts).hasValue(3);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.persistenceId()).isEqualTo(id);
            assertThat(d.message()).contains(poison);
            assertThat(d.manifest()).contains(Accumulator.Run.class.getName());
        });
        assertThat(ref.<List<String>>call(add("b"))).containsExactly("a", "b");
    }

    @Test
    void restarts_wait_the_backoff_doubling_between_consecutive_crashes() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type()
                .withRestartBackoff(Duration.ofMillis(40), Duration.ofSeconds(1)).withMessageAttempts(3), Ids.fresh("backoff"));
        long start = System.nanoTime();

        assertThatThrownBy(() -> ref.call(run(ctx -> {
            throw new AssertionError("always crashes");
        }))).isInstanceOf(PoisonMessageException.class);

        // three attempts: the second after a restart 40 ms later, the third 80 ms after that
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(120));
    }

    @Test
    void a_temporary_process_ends_on_a_crash_and_its_caller_learns_why() {
        String id = Ids.fresh("temporary");
        ProcessRef<Accumulator.Command> handle = perpetua.start(fastRestarts().withRestartPolicy(RestartPolicy.TEMPORARY), id);

        assertThatThrownBy(() -> handle.call(run(ctx -> {
            throw new AssertionError("boom");
        }))).isInstanceOf(ProcessStoppedException.class).hasMessageContaining("crashed").hasRootCauseMessage("boom");

        Await.until("the crashed process ends and leaves the registry",
                () -> !handle.isAlive() && perpetua.liveProcesses() == 0);
    }

    @Test
    void a_permanent_process_that_stops_itself_is_restarted_with_its_state() {
        ProcessRef<Accumulator.Command> handle = perpetua.start(fastRestarts().withRestartPolicy(RestartPolicy.PERMANENT),
                Ids.fresh("permanent"));
        handle.call(add("a"));

        handle.call(run(ctx -> {
            ctx.stop();
            ctx.reply("stopping");
        }));

        assertThat(handle.<List<String>>call(add("b"))).containsExactly("a", "b");
        assertThat(handle.isAlive()).isTrue();
    }

    @Test
    void a_transient_process_that_stops_itself_stays_stopped() {
        ProcessRef<Accumulator.Command> handle = perpetua.start(fastRestarts(), Ids.fresh("transient"));

        handle.call(run(ctx -> ctx.stop()));

        assertThatThrownBy(() -> handle.call(get())).isInstanceOf(ProcessStoppedException.class);
    }

    @Test
    void a_permanent_process_stopped_from_outside_is_not_restarted() {
        ProcessRef<Accumulator.Command> handle = perpetua.start(fastRestarts().withRestartPolicy(RestartPolicy.PERMANENT),
                Ids.fresh("permanent-stop"));

        handle.stop();

        assertThat(handle.isAlive()).isFalse();
        assertThat(perpetua.liveProcesses()).isZero();
    }

    @Test
    void message_attempts_below_one_are_rejected() {
        assertThatThrownBy(() -> Accumulator.type().withMessageAttempts(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
