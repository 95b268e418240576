package io.perpetua.internal;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventJournal;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The runtime's metrics and spans, reported through the OpenTelemetry API; one per runtime, made
 * from the {@link OpenTelemetry} given to its builder. The instruments and their names are listed
 * in {@code docs/observability.md}.
 *
 * <p><b>Cost when nothing listens.</b> Without an SDK the API hands out no-op singletons. This class
 * checks once, when it is made, whether the meter and the tracer it got are those singletons
 * ({@code MeterProvider.noop().get(..)}, {@code TracerProvider.noop().get(..)}); this also catches an
 * SDK meter provider without readers and an SDK tracer provider without span processors, which hand
 * out those singletons too. When metrics are off, the
 * per-persist path reads one final boolean and does not call {@link System#nanoTime()}; when tracing
 * is off, no span is started, no attribute built and no context made current. So a runtime without
 * an SDK pays a field read and a branch per persist and per message.
 *
 * <p>Metric attributes are low-cardinality only (the process type name, the subscription name); the
 * persistence id is an attribute of spans, never of metrics. Thread-safe.
 */
public final class Telemetry implements AutoCloseable {

    /** The instrumentation scope name. */
    public static final String SCOPE = "io.perpetua";

    public static final AttributeKey<String> PROCESS_TYPE = AttributeKey.stringKey("perpetua.process.type");
    public static final AttributeKey<String> PERSISTENCE_ID = AttributeKey.stringKey("perpetua.persistence_id");
    public static final AttributeKey<String> MESSAGE_TYPE = AttributeKey.stringKey("perpetua.message.type");
    public static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("perpetua.subscription.name");
    public static final AttributeKey<Long> REPLAYED_EVENTS = AttributeKey.longKey("perpetua.recovery.replayed_events");
    public static final AttributeKey<Long> SEQUENCE_NR = AttributeKey.longKey("perpetua.sequence_nr");

    /** Seconds, from 1 µs (a persist to the memory store) to 10 s (a stalled disk). */
    private static final List<Double> DURATION_BUCKETS = List.of(0.000_001, 0.000_002_5, 0.000_005, 0.000_01,
            0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1.0, 2.5, 5.0, 10.0);
    private static final List<Long> BATCH_BUCKETS = List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L, 1024L,
            2048L, 4096L, 8192L, 16384L);

    private static final Telemetry NOOP = new Telemetry(OpenTelemetry.noop());

    private final boolean metrics;
    private final boolean tracing;
    private final Meter meter;
    private final Tracer tracer;
    private final DoubleHistogram persistDuration;
    private final LongHistogram batchSize;
    private final DoubleHistogram recoveryDuration;
    private final LongCounter replayedEvents;
    private final Map<String, ForType> types = new ConcurrentHashMap<>();
    private volatile BatchCallback processCallback;

    private Telemetry(OpenTelemetry otel) {
        this.meter = otel.getMeterProvider().get(SCOPE);
        this.tracer = otel.getTracerProvider().get(SCOPE);
        this.metrics = meter != MeterProvider.noop().get(SCOPE);
        this.tracing = tracer != TracerProvider.noop().get(SCOPE);
        this.persistDuration = meter.histogramBuilder("perpetua.persist.duration").setUnit("s")
                .setDescription("Time from a process handing events to the journal until the store acknowledged them")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.batchSize = meter.histogramBuilder("perpetua.journal.batch.size").ofLongs().setUnit("{event}")
                .setDescription("Events per store write of the group-commit writer")
                .setExplicitBucketBoundariesAdvice(BATCH_BUCKETS).build();
        this.recoveryDuration = meter.histogramBuilder("perpetua.recovery.duration").setUnit("s")
                .setDescription("Time a process took to recover its state (snapshot and replay)")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.replayedEvents = meter.counterBuilder("perpetua.recovery.replayed_events").setUnit("{event}")
                .setDescription("Events replayed by recoveries").build();
    }

    /** The telemetry of a runtime reporting to {@code otel}. */
    public static Telemetry of(OpenTelemetry otel) {
        Objects.requireNonNull(otel, "otel");
        Telemetry t = new Telemetry(otel);
        return t.metrics || t.tracing ? t : NOOP;
    }

    /** Telemetry that reports nothing. */
    public static Telemetry noop() {
        return NOOP;
    }

    /** Whether metrics are recorded (an SDK with a reader is installed). */
    public boolean metricsEnabled() {
        return metrics;
    }

    /** Whether spans are made (an SDK tracer provider is installed). */
    public boolean tracingEnabled() {
        return tracing;
    }

    /** The instruments of one process type, made once per type name. */
    public ForType forType(String typeName) {
        return types.computeIfAbsent(typeName, ForType::new);
    }

    /** Records one store write of the group-commit writer: the events of {@code writes}. */
    void batchWritten(List<AtomicWrite> writes) {
        if (!metrics) return;
        long events = 0;
        for (int i = 0; i < writes.size(); i++) events += writes.get(i).events().size();
        batchSize.record(events);
    }

    /**
     * Reports the live processes and their mailbox depth per type, read from {@code registry} when
     * the metrics are collected. Until {@link #close()}.
     */
    public void observe(Registry registry) {
        if (!metrics) return;
        ObservableLongMeasurement live = meter.upDownCounterBuilder("perpetua.process.count").setUnit("{process}")
                .setDescription("Live processes (recovering, running or stopping)").buildObserver();
        ObservableLongMeasurement depth = meter.upDownCounterBuilder("perpetua.mailbox.depth").setUnit("{message}")
                .setDescription("Messages waiting in the mailboxes of live processes").buildObserver();
        processCallback = meter.batchCallback(() -> {
            Map<String, long[]> counts = new HashMap<>();
            for (String type : types.keySet()) counts.put(type, new long[2]);
            registry.forEachLive(p -> {
                long[] c = counts.computeIfAbsent(p.typeName(), t -> new long[2]);
                c[0]++;
                c[1] += p.mailboxSize();
            });
            counts.forEach((type, c) -> {
                Attributes a = forType(type).attributes;
                live.record(c[0], a);
                depth.record(c[1], a);
            });
        }, live, depth);
    }

    /** Stops reporting the live processes. */
    @Override
    public void close() {
        BatchCallback c = processCallback;
        if (c != null) c.close();
    }

    /** Records {@code failure} on {@code span} and marks it failed; nothing if {@code span} is null. */
    static void failed(Span span, Throwable failure) {
        if (span == null) return;
        String message = failure.getMessage();
        span.setStatus(StatusCode.ERROR, message != null ? message : failure.getClass().getName());
        span.recordException(failure);
    }

    /** The instruments of one process type: its attributes and span names are made once. */
    public final class ForType {
        private final String typeName;
        private final Attributes attributes;
        private final String handleSpan;
        private final String recoverSpan;

        private ForType(String typeName) {
            this.typeName = typeName;
            this.attributes = Attributes.of(PROCESS_TYPE, typeName);
            this.handleSpan = "handle " + typeName;
            this.recoverSpan = "recover " + typeName;
        }

        /** Whether {@link #startHandling} makes spans. */
        boolean tracing() {
            return tracing;
        }

        /** The start of a persist, for {@link #persisted}; 0 when metrics are off. */
        long persistStarted() {
            return metrics ? System.nanoTime() : 0L;
        }

        /** The store acknowledged a persist that started at {@code started}. */
        void persisted(long started) {
            if (metrics) persistDuration.record((System.nanoTime() - started) / 1e9, attributes);
        }

        /**
         * A span around the handling of {@code message}, a child of the span in {@code sender} (the
         * context where the message was sent; null or without a span: a new trace); call only when
         * {@link #tracing()}.
         */
        Span startHandling(String persistenceId, Object message, io.opentelemetry.context.Context sender) {
            SpanBuilder builder = tracer.spanBuilder(handleSpan);
            if (sender != null) builder.setParent(sender); else builder.setNoParent();
            return builder.setSpanKind(SpanKind.INTERNAL)
                    .setAttribute(PERSISTENCE_ID, persistenceId)
                    .setAttribute(PROCESS_TYPE, typeName)
                    .setAttribute(MESSAGE_TYPE, message == null ? "none" : message.getClass().getName())
                    .startSpan();
        }

        /** The start of a recovery of {@code persistenceId}, ended by {@link Recovering#recovered} or {@link Recovering#failed}. */
        Recovering startRecovery(String persistenceId) {
            Span span = tracing ? tracer.spanBuilder(recoverSpan).setSpanKind(SpanKind.INTERNAL)
                    .setAttribute(PERSISTENCE_ID, persistenceId)
                    .setAttribute(PROCESS_TYPE, typeName)
                    .startSpan() : null;
            return new Recovering(span, metrics ? System.nanoTime() : 0L);
        }

        /** One recovery in progress. */
        final class Recovering {
            private final Span span;
            private final long started;

            private Recovering(Span span, long started) {
                this.span = span;
                this.started = started;
            }

            void recovered(long sequenceNr, long replayed) {
                if (metrics) {
                    recoveryDuration.record((System.nanoTime() - started) / 1e9, attributes);
                    if (replayed > 0) replayedEvents.add(replayed, attributes);
                }
                if (span != null) {
                    span.setAttribute(REPLAYED_EVENTS, replayed);
                    span.setAttribute(SEQUENCE_NR, sequenceNr);
                    span.end();
                }
            }

            void failed(Throwable failure) {
                if (span != null) {
                    Telemetry.failed(span, failure);
                    span.end();
                }
            }
        }
    }

    /**
     * The lag of open durable subscriptions: per subscription name, the highest global position in
     * the journal minus the subscription's checkpoint (the position up to which everything was
     * delivered and acknowledged). The gauge is registered while at least one subscription is open.
     */
    public static final class SubscriptionLag {
        private final Meter meter;
        private final boolean metrics;
        private final Set<Lagging> open = ConcurrentHashMap.newKeySet();
        private BatchCallback callback; // guarded by this

        /** Reports nothing. */
        public static final SubscriptionLag NONE = new SubscriptionLag(OpenTelemetry.noop());

        public SubscriptionLag(OpenTelemetry otel) {
            this.meter = otel.getMeterProvider().get(SCOPE);
            this.metrics = meter != MeterProvider.noop().get(SCOPE);
        }

        /** Reports the lag of subscription {@code name} on {@code journal} until the returned action is run. */
        public Runnable track(String name, EventJournal journal, LongSupplier checkpoint) {
            if (!metrics) return () -> {};
            Lagging l = new Lagging(Attributes.of(SUBSCRIPTION, name), journal, checkpoint);
            synchronized (this) {
                open.add(l);
                if (callback == null) {
                    ObservableLongMeasurement lag = meter.gaugeBuilder("perpetua.subscription.lag").ofLongs()
                            .setUnit("{event}").setDescription("Global positions a durable subscription is behind "
                                    + "the journal: highest position minus its checkpoint").buildObserver();
                    callback = meter.batchCallback(() -> observe(lag), lag);
                }
            }
            return () -> {
                synchronized (this) {
                    if (open.remove(l) && open.isEmpty() && callback != null) {
                        callback.close();
                        callback = null;
                    }
                }
            };
        }

        private void observe(ObservableLongMeasurement lag) {
            Map<EventJournal, Long> highest = new IdentityHashMap<>();
            for (Lagging l : open) {
                long high = highest.computeIfAbsent(l.journal, EventJournal::highestGlobalPosition);
                lag.record(Math.max(0, high - l.checkpoint.getAsLong()), l.attributes);
            }
        }

        /** One open subscription; identity equality, as two may share a name over time. */
        private static final class Lagging {
            final Attributes attributes;
            final EventJournal journal;
            final LongSupplier checkpoint;

            Lagging(Attributes attributes, EventJournal journal, LongSupplier checkpoint) {
                this.attributes = attributes;
                this.journal = journal;
                this.checkpoint = checkpoint;
            }
        }
    }
}
