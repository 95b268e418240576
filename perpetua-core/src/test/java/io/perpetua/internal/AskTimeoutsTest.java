package io.perpetua.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.CallTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AskTimeoutsTest {

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final AskTimeouts timeouts = new AskTimeouts(timers);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private CompletableFuture<Object> ask(String id, Duration timeout) {
        return timeouts.newReply(id, timeout, System.nanoTime() + timeout.toNanos());
    }

    @Test
    void a_short_ask_behind_many_long_ones_times_out_on_time_never_early() throws Exception {
        List<CompletableFuture<Object>> long_ = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) long_.add(ask("long-" + i, Duration.ofHours(1)));
        // let a few sweeps pass: the long asks are now the survivors of earlier sweeps
        Thread.sleep(5 * AskTimeouts.SWEEP_MILLIS);
        long start = System.nanoTime();
        CompletableFuture<Object> short_ = ask("short", Duration.ofMillis(60));
        assertThatThrownBy(() -> short_.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CallTimeoutException.class)
                .hasMessageContaining("short");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(60);
        assertThat(long_).noneMatch(CompletableFuture::isDone);
    }

    @Test
    void asks_that_were_answered_never_time_out_and_unanswered_ones_all_do() throws Exception {
        List<CompletableFuture<Object>> answered = new ArrayList<>();
        List<CompletableFuture<Object>> unanswered = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 100; i++) {
                answered.add(ask("a-" + round + "-" + i, Duration.ofMillis(80)));
                unanswered.add(ask("u-" + round + "-" + i, Duration.ofMillis(80)));
            }
            Thread.sleep(3); // spread over several sweeps: some become survivors, some are pushed later
        }
        for (CompletableFuture<Object> f : answered) f.complete("ok");
        for (CompletableFuture<Object> f : unanswered) {
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(CallTimeoutException.class);
        }
        for (CompletableFuture<Object> f : answered) assertThat(f.get()).isEqualTo("ok");
    }
}
