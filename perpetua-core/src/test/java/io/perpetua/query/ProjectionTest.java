package io.perpetua.query;

import static io.perpetua.query.ReadSideFixtures.appendEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.PersistedEvent;
import io.perpetua.Stores;
import io.perpetua.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProjectionTest {

    private final Store store = Stores.open("memory:");
    private final EventQueries queries = EventQueries.builder(store).serializer(null).pageSize(16).build();
    private final String name = "projection-" + UUID.randomUUID();

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void run_once_handles_the_events_that_exist_and_returns() {
        appendEvents(store.journal(), "account-1", "e", 50);
        List<Object> seen = new ArrayList<>();

        ProjectionResult result = queries.runOnce(Projection.of(name, e -> seen.add(e.event())));

        assertThat(seen).hasSize(50).first().isEqualTo("e0");
        assertThat(result.handled()).isEqualTo(50);
        assertThat(result.checkpoint()).isEqualTo(store.journal().highestGlobalPosition());
    }

    @Test
    void a_second_run_once_handles_only_events_persisted_since_the_first() {
        appendEvents(store.journal(), "account-1", "a", 5);
        queries.runOnce(Projection.of(name, e -> {}));
        appendEvents(store.journal(), "account-1", "b", 3);
        List<Object> seen = new ArrayList<>();

        queries.runOnce(Projection.of(name, e -> seen.add(e.event())));

        assertThat(seen).containsExactly("b0", "b1", "b2");
    }

    @Test
    void a_projection_whose_handler_throws_stops_and_its_next_run_resumes_at_the_failed_event_losing_nothing()
            throws InterruptedException {
        appendEvents(store.journal(), "account-1", "e", 100);
        List<Object> handled = new CopyOnWriteArrayList<>();
        RunningProjection first = queries.start(Projection.of(name, e -> {
            if (e.event().equals("e37")) throw new IllegalStateException("read model unavailable");
            handled.add(e.event());
        }));
        waitUntilStopped(first);

        assertThat(first.failure().orElseThrow()).isInstanceOf(ProjectionFailedException.class)
                .hasMessageContaining("projection '" + name + "' stopped")
                .hasMessageContaining("event 38 of 'account-1'");
        assertThat(handled).hasSize(37);
        first.close();

        try (RunningProjection second = queries.start(Projection.of(name, e -> handled.add(e.event())))) {
            assertThat(second.awaitCheckpoint(store.journal().highestGlobalPosition(), Duration.ofSeconds(10))).isTrue();
        }
        assertThat(handled).containsExactlyElementsOf(names("e", 100));
    }

    @Test
    void run_once_throws_the_failure_and_leaves_the_checkpoint_before_the_failed_event() {
        long[] positions = appendEvents(store.journal(), "account-1", "e", 10);

        assertThatThrownBy(() -> queries.runOnce(Projection.of(name, e -> {
            if (e.event().equals("e4")) throw new IllegalStateException("boom");
        }))).isInstanceOf(ProjectionFailedException.class)
                .satisfies(ex -> assertThat(((ProjectionFailedException) ex).globalPosition()).isEqualTo(positions[4]));
        assertThat(store.checkpoints().load(name)).hasValue(positions[3]);
    }

    @Test
    void the_skip_policy_skips_a_failing_event_and_goes_on() {
        appendEvents(store.journal(), "account-1", "e", 5);
        List<Object> seen = new ArrayList<>();

        ProjectionResult result = queries.runOnce(Projection.of(name, e -> {
            if (e.event().equals("e2")) throw new IllegalStateException("bad event");
            seen.add(e.event());
        }).withFailurePolicy(FailurePolicy.skip()));

        assertThat(seen).containsExactly("e0", "e1", "e3", "e4");
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.checkpoint()).isEqualTo(store.journal().highestGlobalPosition());
    }

    @Test
    void retry_then_skip_calls_the_handler_again_before_skipping() {
        appendEvents(store.journal(), "account-1", "e", 2);
        AtomicInteger attempts = new AtomicInteger();

        ProjectionResult result = queries.runOnce(Projection.of(name, e -> {
            if (e.event().equals("e0")) {
                attempts.incrementAndGet();
                throw new IllegalStateException("still failing");
            }
        }).withFailurePolicy(FailurePolicy.retryThenSkip(2, Duration.ofMillis(1))));

        assertThat(attempts).hasValue(3);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.handled()).isEqualTo(1);
    }

    @Test
    void retry_then_fail_succeeds_when_a_retry_succeeds() {
        appendEvents(store.journal(), "account-1", "e", 1);
        AtomicInteger attempts = new AtomicInteger();

        ProjectionResult result = queries.runOnce(Projection.of(name, e -> {
            if (attempts.incrementAndGet() < 3) throw new IllegalStateException("transient");
        }).withFailurePolicy(FailurePolicy.retryThenFail(3, Duration.ofMillis(1))));

        assertThat(result.handled()).isEqualTo(1);
        assertThat(attempts).hasValue(3);
    }

    @Test
    void a_filter_keeps_events_from_the_handler_but_they_still_advance_the_checkpoint() {
        appendEvents(store.journal(), "account-1", "e", 4);
        appendEvents(store.journal(), "hotel-1", "h", 2);
        List<Object> seen = new ArrayList<>();

        ProjectionResult result = queries.runOnce(Projection.of(name, e -> seen.add(e.event()))
                .withFilter(e -> e.persistenceId().startsWith("hotel-")));

        assertThat(seen).containsExactly("h0", "h1");
        assertThat(result.filteredOut()).isEqualTo(4);
        assertThat(result.checkpoint()).isEqualTo(store.journal().highestGlobalPosition());
    }

    @Test
    void checkpointing_after_each_batch_saves_every_batch_and_at_the_end() {
        long[] positions = appendEvents(store.journal(), "account-1", "e", 10);
        List<Long> savedWhileHandling = new ArrayList<>();

        queries.runOnce(Projection.of(name, e -> savedWhileHandling.add(store.checkpoints().load(name).orElse(-1)))
                .checkpointAfterEachBatch(4));

        assertThat(savedWhileHandling).containsExactly(0L, 0L, 0L, 0L, positions[3], positions[3], positions[3],
                positions[3], positions[7], positions[7]);
        assertThat(store.checkpoints().load(name)).hasValue(positions[9]);
    }

    @Test
    void a_continuous_projection_follows_events_persisted_after_it_started() throws InterruptedException {
        List<Object> seen = new CopyOnWriteArrayList<>();
        try (RunningProjection p = queries.start(Projection.of(name, e -> seen.add(e.event())))) {
            long[] positions = appendEvents(store.journal(), "account-1", "later", 3);

            assertThat(p.awaitCheckpoint(positions[2], Duration.ofSeconds(10))).isTrue();
            assertThat(p.isRunning()).isTrue();
        }
        assertThat(seen).containsExactly("later0", "later1", "later2");
    }

    @Test
    void a_partitioned_projection_keeps_each_persistence_ids_order_and_handles_every_event_once()
            throws InterruptedException {
        for (int round = 0; round < 20; round++) {
            for (int id = 0; id < 8; id++) appendEvents(store.journal(), "account-" + id, round + "-", 5);
        }
        Map<String, List<Long>> sequences = new ConcurrentHashMap<>();
        AtomicInteger concurrentIds = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();

        ProjectionResult result = queries.runOnce(Projection.of(name, (PersistedEvent e) -> {
            int now = concurrentIds.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            sequences.computeIfAbsent(e.persistenceId(), k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(e.sequenceNr());
            Thread.sleep(1);
            concurrentIds.decrementAndGet();
        }).withParallelism(4));

        assertThat(result.handled()).isEqualTo(800);
        assertThat(result.checkpoint()).isEqualTo(800);
        assertThat(sequences).hasSize(8);
        sequences.values().forEach(seqs -> assertThat(seqs).hasSize(100).isSorted().doesNotHaveDuplicates());
        assertThat(maxConcurrent.get()).as("events of different ids handled at the same time").isGreaterThan(1);
    }

    @Test
    void a_projection_name_in_use_is_refused() throws InterruptedException {
        try (RunningProjection running = queries.start(Projection.of(name, e -> {}))) {
            assertThatThrownBy(() -> queries.runOnce(Projection.of(name, e -> {})))
                    .isInstanceOf(ConsumerAlreadyActiveException.class);
        }
    }

    private static void waitUntilStopped(RunningProjection p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (p.isRunning() && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(p.isRunning()).as("stopped").isFalse();
    }

    private static List<Object> names(String prefix, int n) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + i);
        return out;
    }
}
