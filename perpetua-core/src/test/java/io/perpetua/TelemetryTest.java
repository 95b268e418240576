package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.perpetua.internal.Telemetry;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.EventQueries;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.Store;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §8: the runtime reports its metrics and spans through the OpenTelemetry API, with the
 * values a user's dashboard relies on. Real processes on the memory store, an in-memory SDK.
 */
class TelemetryTest {

    private static final Attributes ACCUMULATOR = Attributes.of(Telemetry.PROCESS_TYPE, "accumulator");

    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build();
    private final Store store = Stores.open("memory:");

    @AfterEach
    void close() {
        otel.close();
        store.close();
    }

    private Perpetua runtime() {
        return Perpetua.builder().store(store).serializer(null).openTelemetry(otel).build();
    }

    @Test
    void each_acknowledged_persist_is_one_persist_latency_measurement_for_its_process_type() {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("persist"));
            for (int i = 0; i < 5; i++) ref.call(add("v" + i));

            HistogramPointData latency = histogram("perpetua.persist.duration", ACCUMULATOR);
            assertThat(latency.getCount()).isEqualTo(5);
            assertThat(latency.getSum()).isPositive().isLessThan(5 * 1.0); // seconds
            assertThat(metric("perpetua.persist.duration").getUnit()).isEqualTo("s");
        }
    }

    @Test
    void the_batch_sizes_add_up_to_the_events_written_and_count_the_store_writes() {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("batch"));
            ref.call(add("a"));
            ref.call(add("b"));
            ref.call(addAll("c", "d", "e", "f"));

            HistogramPointData batches = histogram("perpetua.journal.batch.size", Attributes.empty());
            assertThat(batches.getSum()).isEqualTo(6.0);
            assertThat(batches.getCount()).isEqualTo(3); // one process calling in turn: one write per batch
            assertThat(batches.getMax()).isEqualTo(4.0);
        }
    }

    @Test
    void recovery_counts_the_events_replayed_from_the_journal_per_process_type() {
        String id = Ids.fresh("recover");
        try (Perpetua first = Perpetua.builder().store(store).serializer(null).openTelemetry(OpenTelemetry.noop())
                .build()) {
            first.start(Accumulator.type(), id).call(addAll("a", "b", "c"));
        }
        try (Perpetua perpetua = runtime()) {
            assertThat(perpetua.start(Accumulator.type(), id).<List<String>>call(Accumulator.get()))
                    .containsExactly("a", "b", "c");

            assertThat(sum("perpetua.recovery.replayed_events", ACCUMULATOR)).isEqualTo(3);
            HistogramPointData duration = histogram("perpetua.recovery.duration", ACCUMULATOR);
            assertThat(duration.getCount()).isEqualTo(1);
            assertThat(duration.getSum()).isPositive();
        }
    }

    @Test
    void the_recovery_span_carries_the_persistence_id_the_type_and_the_events_replayed() {
        String id = Ids.fresh("recover-span");
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Accumulator.type(), id).call(addAll("a", "b"));
        }
        spans.reset();
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Accumulator.type(), id);

            SpanData recovery = span("recover accumulator");
            assertThat(recovery.getAttributes().get(Telemetry.PERSISTENCE_ID)).isEqualTo(id);
            assertThat(recovery.getAttributes().get(Telemetry.PROCESS_TYPE)).isEqualTo("accumulator");
            assertThat(recovery.getAttributes().get(Telemetry.REPLAYED_EVENTS)).isEqualTo(2L);
            assertThat(recovery.getAttributes().get(Telemetry.SEQUENCE_NR)).isEqualTo(2L);
            assertThat(recovery.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        }
    }

    @Test
    void a_failed_recovery_ends_its_span_with_status_error_and_the_exception() {
        String id = Ids.fresh("poisoned");
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Accumulator.type(), id).call(add("poison"));
        }
        spans.reset();
        try (Perpetua perpetua = runtime()) {
            assertThatThrownBy(() -> perpetua.start(Accumulator.poisonedBy("poison"::equals), id))
                    .isInstanceOf(RecoveryFailedException.class);

            SpanData recovery = span("recover accumulator");
            assertThat(recovery.getAttributes().get(Telemetry.PERSISTENCE_ID)).isEqualTo(id);
            assertThat(recovery.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(recovery.getEvents()).anyMatch(e -> e.getName().equals("exception"));
        }
    }

    @Test
    void each_message_is_handled_in_a_span_with_the_persistence_id_the_type_and_the_message_type() {
        String id = Ids.fresh("handled");
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Accumulator.type(), id).call(add("a"));

            SpanData handled = span("handle accumulator", s -> Accumulator.Add.class.getName()
                    .equals(s.getAttributes().get(Telemetry.MESSAGE_TYPE)));
            assertThat(handled.getAttributes().get(Telemetry.PERSISTENCE_ID)).isEqualTo(id);
            assertThat(handled.getAttributes().get(Telemetry.PROCESS_TYPE)).isEqualTo("accumulator");
            assertThat(handled.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        }
    }

    @Test
    void the_handling_span_is_a_child_of_the_span_where_the_message_was_sent() {
        String firstId = Ids.fresh("first");
        String secondId = Ids.fresh("second");
        String loneId = Ids.fresh("lone");
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> first = perpetua.start(Accumulator.type(), firstId);
            ProcessRef<Accumulator.Command> second = perpetua.start(Accumulator.type(), secondId);
            Span request = otel.getTracer("test").spanBuilder("request").startSpan();
            try (Scope ignored = request.makeCurrent()) {
                // the first process casts to the second from its handler
                first.call(run(ctx -> second.cast(add("from first"))));
            } finally {
                request.end();
            }
            perpetua.start(Accumulator.type(), loneId).call(add("outside any span"));

            SpanData firstHandled = handled(firstId, Accumulator.Run.class);
            SpanData secondHandled = handled(secondId, Accumulator.Add.class);
            assertThat(firstHandled.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
            assertThat(firstHandled.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
            assertThat(secondHandled.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
            assertThat(secondHandled.getParentSpanId()).isEqualTo(firstHandled.getSpanId());
            SpanData lone = handled(loneId, Accumulator.Add.class);
            assertThat(lone.getParentSpanContext().isValid()).as("a message sent outside any span starts a trace").isFalse();
            assertThat(lone.getTraceId()).isNotEqualTo(request.getSpanContext().getTraceId());
        }
    }

    private SpanData handled(String persistenceId, Class<?> messageType) {
        return span("handle accumulator", s -> persistenceId.equals(s.getAttributes().get(Telemetry.PERSISTENCE_ID))
                && messageType.getName().equals(s.getAttributes().get(Telemetry.MESSAGE_TYPE)));
    }

    @Test
    void a_handler_that_throws_ends_its_span_with_status_error_and_the_exception() {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("failing"));
            assertThatThrownBy(() -> ref.call(run(ctx -> {
                throw new IllegalStateException("boom");
            }))).hasMessage("boom");

            SpanData failed = span("handle accumulator", s -> s.getStatus().getStatusCode() == StatusCode.ERROR);
            assertThat(failed.getStatus().getDescription()).isEqualTo("boom");
            assertThat(failed.getEvents()).singleElement().satisfies(e -> {
                assertThat(e.getName()).isEqualTo("exception");
                assertThat(e.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("exception.type")))
                        .isEqualTo(IllegalStateException.class.getName());
            });
        }
    }

    @Test
    void live_processes_go_up_on_start_and_back_down_on_stop_and_on_passivation() {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> stopped = perpetua.start(Accumulator.type(), Ids.fresh("stopped"));
            ProcessRef<Accumulator.Command> idle = perpetua.ref(
                    Accumulator.type().withPassivateAfter(Duration.ofMillis(300)), Ids.fresh("idle"));
            idle.call(add("a"));
            assertThat(gauge("perpetua.process.count", ACCUMULATOR)).isEqualTo(2);

            stopped.stop();
            Await.until("the stopped process is no longer counted",
                    () -> gauge("perpetua.process.count", ACCUMULATOR) <= 1);
            Await.until("the idle process passivated and is no longer counted",
                    () -> gauge("perpetua.process.count", ACCUMULATOR) == 0);
        }
    }

    @Test
    void mailbox_depth_counts_the_messages_waiting_behind_a_busy_handler() throws InterruptedException {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("busy"));
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> busy = Async.supply(() -> ref.call(run(ctx -> {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            })));
            Await.latch("the handler is running", entered);
            for (int i = 0; i < 3; i++) ref.send("queued-" + i);

            assertThat(gauge("perpetua.mailbox.depth", ACCUMULATOR)).isEqualTo(3);
            release.countDown();
            Await.result(busy);
            Await.until("the mailbox is drained", () -> gauge("perpetua.mailbox.depth", ACCUMULATOR) == 0);
        }
    }

    @Test
    void subscription_lag_is_the_events_a_subscriber_is_behind_and_zero_once_it_caught_up() throws InterruptedException {
        Attributes subscription = Attributes.of(Telemetry.SUBSCRIPTION, "lagging");
        try (Perpetua perpetua = runtime()) {
            perpetua.start(Accumulator.type(), Ids.fresh("lag")).call(addAll("a", "b", "c", "d", "e"));
            EventQueries queries = EventQueries.of(perpetua);
            try (DurableSubscription s = queries.subscribe("lagging", SubscriptionOptions.defaults())) {
                assertThat(gauge("perpetua.subscription.lag", subscription)).isEqualTo(5);

                for (int i = 0; i < 2; i++) s.acknowledge(s.poll(Duration.ofSeconds(5)).orElseThrow());
                assertThat(gauge("perpetua.subscription.lag", subscription)).isEqualTo(3);

                Optional<PersistedEvent> next;
                while ((next = s.poll(Duration.ofMillis(100))).isPresent()) s.acknowledge(next.get());
                assertThat(gauge("perpetua.subscription.lag", subscription)).isZero();
            }
            assertThat(point("perpetua.subscription.lag", subscription)).as("not reported once closed").isEmpty();
        }
    }

    @Test
    void without_an_sdk_the_runtime_detects_the_no_op_api_and_skips_its_instrumentation() {
        assertThat(Telemetry.of(OpenTelemetry.noop())).isSameAs(Telemetry.noop());
        assertThat(Telemetry.of(OpenTelemetry.noop()).metricsEnabled()).isFalse();
        assertThat(Telemetry.of(OpenTelemetry.noop()).tracingEnabled()).isFalse();
        assertThat(Telemetry.of(otel).metricsEnabled()).isTrue();
        assertThat(Telemetry.of(otel).tracingEnabled()).isTrue();
        try (OpenTelemetrySdk bare = OpenTelemetrySdk.builder().build()) {
            assertThat(Telemetry.of(bare)).as("an SDK without readers or span processors").isSameAs(Telemetry.noop());
        }
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(null)
                .openTelemetry(OpenTelemetry.noop()).build()) {
            perpetua.start(Accumulator.type(), Ids.fresh("quiet")).call(add("a"));
        }
        assertThat(metrics.collectAllMetrics()).isEmpty();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    // ------------------------------------------------------------------ reading the SDK

    private MetricData metric(String name) {
        return metrics.collectAllMetrics().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
    }

    private HistogramPointData histogram(String name, Attributes attributes) {
        return metric(name).getHistogramData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes)).findFirst()
                .orElseThrow(() -> new AssertionError("no point of " + name + " with " + attributes));
    }

    private long sum(String name, Attributes attributes) {
        return metric(name).getLongSumData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes)).mapToLong(LongPointData::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no point of " + name + " with " + attributes));
    }

    /** The value of an asynchronous gauge or up-down counter, collected now. */
    private long gauge(String name, Attributes attributes) {
        return point(name, attributes).orElseThrow(() -> new AssertionError("no point of " + name + " with "
                + attributes)).getValue();
    }

    private Optional<LongPointData> point(String name, Attributes attributes) {
        for (MetricData m : metrics.collectAllMetrics()) {
            if (!m.getName().equals(name)) continue;
            var points = switch (m.getType()) {
                case LONG_GAUGE -> m.getLongGaugeData().getPoints();
                case LONG_SUM -> m.getLongSumData().getPoints();
                default -> throw new AssertionError(name + " is a " + m.getType());
            };
            return points.stream().filter(p -> p.getAttributes().equals(attributes)).findFirst();
        }
        return Optional.empty();
    }

    private SpanData span(String name) {
        return span(name, s -> true);
    }

    private SpanData span(String name, java.util.function.Predicate<SpanData> matching) {
        Await.until("a span '" + name + "' ended", () -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getName().equals(name) && matching.test(s)));
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name) && matching.test(s))
                .findFirst().orElseThrow();
    }
}
