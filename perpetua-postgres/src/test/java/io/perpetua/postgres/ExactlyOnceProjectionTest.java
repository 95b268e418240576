package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.EventAdapter;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessType;
import io.perpetua.RawEvent;
import io.perpetua.Stores;
import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.query.EventQueries;
import io.perpetua.query.FailurePolicy;
import io.perpetua.query.ProjectionFailedException;
import io.perpetua.query.ProjectionResult;
import io.perpetua.query.RunningProjection;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exactly-once projections against the real server: the read model counts how often each event was
 * applied, and every count must be one, whatever failed in between.
 */
@Timeout(60)
class ExactlyOnceProjectionTest {

    /** Stored events are their text, read back as strings. */
    private static final Serializer TEXT = new Serializer() {
        @Override
        public Payload.Serialized serialize(Object value) {
            return new Payload.Serialized("text", 1, value.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Object deserialize(Payload.Serialized payload) {
            return new String(payload.bytes(), StandardCharsets.UTF_8);
        }
    };

    private PostgresStore store;
    private EventQueries queries;
    private PostgresProjections projections;
    private final String name = "model-" + UUID.randomUUID();
    private final String id = "acc-" + UUID.randomUUID();
    private String model;

    @BeforeEach
    void openStoreAndCreateTheReadModel() throws SQLException {
        store = (PostgresStore) TestDatabase.open();
        queries = EventQueries.builder(store).serializer(TEXT).pageSize(7).build();
        projections = PostgresProjections.of(queries);
        model = store.schema() + ".model";
        try (Connection c = store.connection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + model + " (event text PRIMARY KEY, times int NOT NULL)");
        }
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Counts one application of the event in the read model, inside the projection's transaction. */
    private void apply(PersistedEvent event, Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + model + " (event, times) VALUES (?, 1)"
                + " ON CONFLICT (event) DO UPDATE SET times = " + model + ".times + 1")) {
            ps.setString(1, (String) event.event());
            ps.executeUpdate();
        }
    }

    @Test
    void each_event_is_applied_once_across_runs_and_batches() throws SQLException {
        append("e", 0, 25);
        TransactionalProjection p = TransactionalProjection.of(name, this::apply).checkpointAfterEachBatch(10);

        ProjectionResult first = projections.runOnce(p);
        append("e", 25, 5);
        ProjectionResult second = projections.runOnce(p);

        assertThat(first.handled()).isEqualTo(25);
        assertThat(second.handled()).isEqualTo(5);
        assertThat(second.checkpoint()).isEqualTo(store.journal().highestGlobalPosition());
        assertAppliedOnce("e", 30);
    }

    @Test
    void a_handler_that_throws_after_writing_leaves_no_write_and_its_retry_applies_the_event_once() throws SQLException {
        append("e", 0, 20);
        AtomicBoolean thrown = new AtomicBoolean();
        TransactionalProjection p = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e7") && thrown.compareAndSet(false, true)) throw new IllegalStateException("boom");
        }).checkpointAfterEachBatch(10).withFailurePolicy(FailurePolicy.retryThenFail(2, Duration.ofMillis(1)));

        ProjectionResult result = projections.runOnce(p);

        assertThat(thrown).isTrue();
        assertThat(result.handled()).isEqualTo(20);
        assertAppliedOnce("e", 20);
    }

    @Test
    void a_skipped_event_leaves_no_write_and_the_others_are_applied_once() throws SQLException {
        append("e", 0, 20);
        TransactionalProjection p = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e7")) throw new IllegalStateException("boom");
        }).checkpointAfterEachBatch(10).withFailurePolicy(FailurePolicy.retryThenSkip(1, Duration.ofMillis(1)));

        ProjectionResult result = projections.runOnce(p);

        assertThat(result.skipped()).isEqualTo(1);
        Map<String, Integer> applied = applied();
        assertThat(applied).doesNotContainKey("e7").hasSize(19).allSatisfy((event, times) -> assertThat(times).isEqualTo(1));
        assertThat(result.checkpoint()).isEqualTo(store.journal().highestGlobalPosition());
    }

    @Test
    void a_failing_handler_rolls_back_its_batch_and_the_next_run_applies_every_event_once() throws SQLException {
        long[] positions = append("e", 0, 25);
        TransactionalProjection failing = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e13")) throw new IllegalStateException("boom");
        }).checkpointAfterEachBatch(10);

        assertThatThrownBy(() -> projections.runOnce(failing)).isInstanceOf(ProjectionFailedException.class)
                .hasMessageContaining("boom");
        assertThat(store.checkpoints().load(name)).hasValue(positions[9]);
        assertThat(applied()).hasSize(10);

        projections.runOnce(TransactionalProjection.of(name, this::apply).checkpointAfterEachBatch(10));

        assertAppliedOnce("e", 25);
    }

    @Test
    void a_session_killed_mid_batch_after_writing_loses_the_batch_and_the_restart_applies_every_event_once()
            throws SQLException {
        append("e", 0, 25);
        TransactionalProjection crashing = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e15")) {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                }
            }
        }).checkpointAfterEachBatch(10).withFailurePolicy(FailurePolicy.retryThenFail(3, Duration.ofMillis(1)));

        assertThatThrownBy(() -> projections.runOnce(crashing)).isInstanceOf(RuntimeException.class);
        assertThat(applied()).hasSize(10);

        projections.runOnce(TransactionalProjection.of(name, this::apply).checkpointAfterEachBatch(10));

        assertAppliedOnce("e", 25);
    }

    @Test
    void a_projection_closed_in_the_middle_of_a_batch_and_restarted_applies_every_event_once() throws Exception {
        append("e", 0, 25);
        CountDownLatch inTheMiddle = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RunningProjection running = projections.start(TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e15")) {
                inTheMiddle.countDown();
                release.await();
            }
        }).checkpointAfterEachBatch(10));
        assertThat(inTheMiddle.await(10, TimeUnit.SECONDS)).isTrue();

        Thread closing = Thread.ofVirtual().start(running::close);
        Thread.sleep(50);
        release.countDown();
        closing.join();
        append("e", 25, 5);
        try (RunningProjection restarted = projections.start(TransactionalProjection.of(name, this::apply)
                .checkpointAfterEachBatch(10))) {
            assertThat(restarted.awaitCheckpoint(store.journal().highestGlobalPosition(), Duration.ofSeconds(10))).isTrue();
        }

        assertThat(running.failure()).isEmpty();
        assertAppliedOnce("e", 30);
    }

    @Test
    void a_running_projection_follows_new_events_and_applies_each_once() throws Exception {
        try (RunningProjection running = projections.start(TransactionalProjection.of(name, this::apply)
                .checkpointAfterEachBatch(4))) {
            append("e", 0, 10);
            append("e", 10, 3);
            assertThat(running.awaitCheckpoint(store.journal().highestGlobalPosition(), Duration.ofSeconds(10))).isTrue();
        }
        assertAppliedOnce("e", 13);
    }

    @Test
    void events_the_filter_rejects_move_the_checkpoint_without_reaching_the_handler() throws SQLException {
        append("e", 0, 6);
        ProjectionResult result = projections.runOnce(TransactionalProjection.of(name, this::apply)
                .withFilter(e -> ((String) e.event()).compareTo("e3") < 0));

        assertThat(result.filteredOut()).isEqualTo(3);
        assertThat(applied()).containsOnlyKeys("e0", "e1", "e2");
        assertThat(store.checkpoints().load(name)).hasValue(store.journal().highestGlobalPosition());
    }

    @Test
    void the_events_one_stored_event_is_split_into_commit_in_one_transaction() throws SQLException {
        EventAdapter<String> splitting = new EventAdapter<>() {
            @Override
            public List<String> fromJournal(RawEvent stored) {
                return Arrays.asList(((String) stored.decode()).split("\\+"));
            }
        };
        ProcessType<String, String, String> type = ProcessType.<String, String, String>pure("text", "",
                (s, c) -> List.of(c), (s, e) -> e).withEventAdapter(splitting);
        appendText(List.of("a+b", "c+d+e"));
        AtomicBoolean failedOnce = new AtomicBoolean();
        TransactionalProjection p = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("d") && failedOnce.compareAndSet(false, true)) throw new IllegalStateException("boom");
        });
        PostgresProjections adapted = PostgresProjections.of(queries.forType(type));

        assertThatThrownBy(() -> adapted.runOnce(p)).isInstanceOf(ProjectionFailedException.class);
        assertThat(applied()).containsOnlyKeys("a", "b");
        adapted.runOnce(p);

        assertThat(applied()).containsOnlyKeys("a", "b", "c", "d", "e").allSatisfy((e, times) -> assertThat(times).isEqualTo(1));
    }

    @Test
    void a_checkpoint_moved_by_someone_else_stops_the_projection_and_rolls_back_its_batch() throws SQLException {
        append("e", 0, 5);
        TransactionalProjection p = TransactionalProjection.of(name, (event, c) -> {
            apply(event, c);
            if (event.event().equals("e3")) store.checkpoints().save(name, 1);
        }).checkpointAfterEachBatch(10);

        assertThatThrownBy(() -> projections.runOnce(p)).hasMessageContaining("another consumer moved it");

        assertThat(applied()).isEmpty();
        assertThat(store.checkpoints().load(name)).hasValue(1);
    }

    @Test
    void a_second_consumer_of_the_name_is_refused_on_another_node() {
        try (Store otherNode = Stores.open(TestDatabase.uri(store.schema()));
                RunningProjection running = projections.start(TransactionalProjection.of(name, this::apply))) {
            PostgresProjections there = PostgresProjections.of(EventQueries.builder(otherNode).serializer(TEXT).build());

            assertThatThrownBy(() -> there.runOnce(TransactionalProjection.of(name, this::apply)))
                    .isInstanceOf(ConsumerAlreadyActiveException.class);
            assertThat(running.isRunning()).isTrue();
        }
    }

    @Test
    void a_store_other_than_postgresql_is_refused_with_the_reason() {
        try (Store memory = Stores.open("memory:")) {
            assertThatThrownBy(() -> PostgresProjections.of(EventQueries.of(memory)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("need the PostgreSQL store");
        }
    }

    private long[] append(String prefix, int from, int count) {
        return appendText(IntStream.range(from, from + count).mapToObj(i -> prefix + i).toList());
    }

    private long[] appendText(List<String> texts) {
        Instant now = Instant.now();
        List<EventData> events = texts.stream().map(t -> new EventData(TEXT.serialize(t), Set.of(), now)).toList();
        WriteResult result = store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), events))).get(0);
        if (!(result instanceof WriteResult.Written w)) throw new AssertionError("append failed: " + result);
        return w.globalPositions();
    }

    private Map<String, Integer> applied() throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = store.connection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT event, times FROM " + model)) {
            while (rs.next()) out.put(rs.getString(1), rs.getInt(2));
        }
        return out;
    }

    private void assertAppliedOnce(String prefix, int count) throws SQLException {
        Map<String, Integer> applied = applied();
        assertThat(applied.keySet()).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, count).mapToObj(i -> prefix + i).toList());
        assertThat(applied.values()).allMatch(times -> times == 1);
    }
}
