package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ProcessRef#ask}: a call whose reply arrives as a completion stage instead of blocking the caller. */
class AskTest {

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    private static <T> Throwable failureOf(CompletionStage<T> stage) {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the ask neither completed nor failed in 10 s", e);
        }
        throw new AssertionError("the ask succeeded, a failure was expected");
    }

    @Test
    void an_ask_completes_with_the_reply_a_call_would_return() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("ask"));

        CompletionStage<List<String>> reply = ref.ask(add("a"));

        assertThat(reply.toCompletableFuture().join()).containsExactly("a");
        assertThat((List<String>) ref.call(get())).containsExactly("a");
    }

    @Test
    void asks_and_casts_from_one_sender_are_handled_in_the_order_sent() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("order"));
        List<CompletableFuture<List<String>>> replies = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add("v" + i);
            if (i % 3 == 0) {
                ref.cast(add("v" + i));
            } else {
                replies.add(ref.<List<String>>ask(add("v" + i)).toCompletableFuture());
            }
        }

        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).join();
        assertThat((List<String>) ref.call(get())).containsExactlyElementsOf(sent);
    }

    @Test
    void an_ask_fails_with_what_the_handler_threw() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("throws"));

        Throwable failure = failureOf(ref.ask(new Accumulator.Run(ctx -> {
            throw new IllegalArgumentException("no such account");
        })));

        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessage("no such account");
    }

    @Test
    void an_ask_that_gets_no_reply_in_time_fails_with_a_call_timeout_no_earlier_than_its_timeout() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("slow"));
        CountDownLatch release = new CountDownLatch(1);
        long start = System.nanoTime();

        Throwable failure = failureOf(ref.ask(new Accumulator.Run(ctx -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), Duration.ofMillis(100)));
        long waited = System.nanoTime() - start;
        release.countDown();

        assertThat(failure).isInstanceOf(CallTimeoutException.class).hasMessageContaining(ref.persistenceId());
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
        assertThat((List<String>) ref.call(get())).isEmpty(); // the process goes on
    }

    @Test
    void a_reply_that_comes_before_the_timeout_is_not_failed_later() throws Exception {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("in-time"));

        CompletableFuture<List<String>> reply = ref.<List<String>>ask(add("a"), Duration.ofMillis(50)).toCompletableFuture();
        assertThat(reply.get(10, TimeUnit.SECONDS)).containsExactly("a");
        Thread.sleep(150); // several sweeps of the timeouts

        assertThat(reply).isCompletedWithValue(List.of("a"));
    }

    @Test
    void an_ask_to_a_stopped_incarnation_is_refused_at_once() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("stopped"));
        ref.stop();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ref.ask(add("a")))
                .isInstanceOf(ProcessStoppedException.class)
                .hasMessageContaining(ref.persistenceId());
    }

    @Test
    void asks_in_flight_when_a_process_stops_fail_with_process_stopped() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("stopping"));
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletionStage<Object> first = ref.ask(new Accumulator.Run(ctx -> {
            inHandler.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.stop();
        }));
        CompletionStage<Object> queued = ref.ask(add("never"));
        assertThat(await(inHandler)).isTrue();
        release.countDown();

        assertThat(failureOf(queued)).isInstanceOf(ProcessStoppedException.class);
        first.toCompletableFuture().join();
    }

    @Test
    void an_ask_through_a_symbolic_reference_starts_a_passivated_process() {
        String id = Ids.fresh("symbolic");
        ProcessRef<Accumulator.Command> first = perpetua.start(Accumulator.type(), id);
        first.call(add("a"));
        first.stop();

        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type(), id);
        List<String> state = ref.<List<String>>ask(add("b")).toCompletableFuture().join();

        assertThat(state).containsExactly("a", "b");
    }

    @Test
    void each_reply_can_send_the_next_ask_without_a_waiting_thread() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("chain"));
        CompletableFuture<List<String>> last = new CompletableFuture<>();

        chain(ref, 0, 500, last);

        assertThat(last.join()).hasSize(500).startsWith("0", "1").endsWith("499");
    }

    private static void chain(ProcessRef<Accumulator.Command> ref, int i, int n, CompletableFuture<List<String>> last) {
        ref.<List<String>>ask(add(Integer.toString(i))).whenComplete((state, error) -> {
            if (error != null) last.completeExceptionally(error);
            else if (i + 1 < n) chain(ref, i + 1, n, last);
            else last.complete(state);
        });
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new CompletionException(e);
        }
    }
}
