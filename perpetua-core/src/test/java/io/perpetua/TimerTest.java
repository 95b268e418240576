package io.perpetua;

import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4, timers: sendAfter delivers an info message later, unless cancelled or the process stopped. */
class TimerTest {

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    @Test
    void send_after_delivers_an_info_message_to_the_process_after_the_delay() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("timer"));
        long[] scheduledAt = new long[1];

        ref.call(run(ctx -> {
            scheduledAt[0] = System.nanoTime();
            ctx.sendAfter(Duration.ofMillis(50), "tick");
        }));

        Await.until("the timer's message is handled", () -> ref.<List<String>>call(get()).contains("tick"));
        assertThat(System.nanoTime() - scheduledAt[0]).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void a_cancelled_timer_delivers_nothing() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("cancel"));
        List<String> delivered = new CopyOnWriteArrayList<>();
        CountDownLatch later = new CountDownLatch(1);

        Boolean cancelled = ref.call(run(ctx -> {
            Timer timer = ctx.sendAfter(Duration.ofMillis(200), (Accumulator.Step) c -> delivered.add("cancelled"));
            ctx.sendAfter(Duration.ofMillis(400), (Accumulator.Step) c -> later.countDown());
            ctx.reply(timer.cancel());
        }));

        assertThat(cancelled).isTrue();
        Await.latch("the later timer", later);
        assertThat(delivered).isEmpty();
    }

    @Test
    void cancelling_a_delivered_timer_returns_false() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("delivered"));
        CountDownLatch fired = new CountDownLatch(1);
        Timer[] timer = new Timer[1];

        ref.call(run(ctx -> timer[0] = ctx.sendAfter(Duration.ofMillis(1), (Accumulator.Step) c -> fired.countDown())));
        Await.latch("the timer", fired);

        assertThat(timer[0].cancel()).isFalse();
    }

    @Test
    void pending_timers_are_cancelled_when_the_process_stops() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("stop-cancels"));
        List<String> delivered = new CopyOnWriteArrayList<>();
        Timer[] timer = new Timer[1];
        ref.call(run(ctx -> timer[0] = ctx.sendAfter(Duration.ofHours(1),
                (Accumulator.Step) c -> delivered.add("too late"))));

        ref.stop();

        assertThat(timer[0].cancel()).as("already cancelled by the stop").isFalse();
        assertThat(delivered).isEmpty();
    }

    @Test
    void a_message_sent_to_the_process_reaches_handle_info() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("send"));

        ref.send("note");

        List<String> state = ref.call(get());
        assertThat(state).containsExactly("note");
    }
}
