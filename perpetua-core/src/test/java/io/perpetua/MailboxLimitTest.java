package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A bounded mailbox: a full mailbox fails the sender or makes it wait, by the type's policy. */
class MailboxLimitTest {

    private final Perpetua perpetua = Perpetua.open("memory:");
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        perpetua.close();
    }

    /** Occupies the process with a handler that waits for {@link #release}. */
    private void block(ProcessRef<Accumulator.Command> ref) {
        CountDownLatch entered = new CountDownLatch(1);
        ref.cast(run(ctx -> {
            entered.countDown();
            Await.latch("the test releases the handler", release);
        }));
        Await.latch("the blocking handler", entered);
    }

    @Test
    void a_full_mailbox_with_the_fail_policy_refuses_the_message_naming_the_process_and_the_limit() {
        String id = Ids.fresh("full");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type().withMailboxLimit(2, MailboxOverflow.FAIL), id);
        block(ref);
        ref.cast(add("a"));
        ref.cast(add("b"));

        assertThatThrownBy(() -> ref.cast(add("c")))
                .isInstanceOf(MailboxFullException.class)
                .hasMessageContaining(id)
                .hasMessageContaining("limit 2")
                .satisfies(e -> assertThat(((MailboxFullException) e).limit()).isEqualTo(2));
        release.countDown();
        Await.until("a and b are handled and the mailbox has room", () -> {
            try {
                return ref.call(get()).equals(List.of("a", "b"));
            } catch (MailboxFullException stillFull) {
                return false;
            }
        });
    }

    @Test
    void a_full_mailbox_with_the_wait_policy_makes_the_sender_wait_for_room() {
        String id = Ids.fresh("wait");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type().withMailboxLimit(1, MailboxOverflow.WAIT), id);
        block(ref);
        ref.cast(add("a"));

        CompletableFuture<Object> waiting = Async.supply(() -> ref.call(add("b")));
        assertThatThrownBy(() -> ref.call(add("late"), Duration.ofMillis(50))).isInstanceOf(CallTimeoutException.class);
        assertThat(waiting).isNotDone();
        release.countDown();

        assertThat(Await.result(waiting)).isEqualTo(List.of("a", "b"));
    }

    @Test
    void timer_messages_are_never_refused_by_a_full_mailbox() {
        String id = Ids.fresh("timers");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type().withMailboxLimit(1, MailboxOverflow.FAIL), id);
        ref.call(run(ctx -> {
            ctx.sendAfter(Duration.ZERO, "from-timer");
            ctx.reply("set");
        }));

        Await.until("the timer's value is persisted", () -> ref.<List<String>>call(get()).contains("from-timer"));
    }

    @Test
    void a_negative_mailbox_limit_is_rejected() {
        assertThatThrownBy(() -> Accumulator.type().withMailboxLimit(-1, MailboxOverflow.FAIL))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
