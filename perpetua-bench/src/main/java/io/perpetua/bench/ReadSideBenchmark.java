package io.perpetua.bench;

import io.perpetua.Perpetua;
import io.perpetua.PersistedEvent;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.Stores;
import io.perpetua.jackson.JacksonSerializer;
import io.perpetua.query.DurableSubscription;
import io.perpetua.query.EventQueries;
import io.perpetua.query.QueryStream;
import io.perpetua.query.StartFrom;
import io.perpetua.query.SubscriptionOptions;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The read side: how fast a reader catches up over a journal of {@value #EVENTS} events (a current
 * query, and a durable subscription that acknowledges every event and checkpoints every 1,000), per
 * store, and how long an event takes from persist to a live subscriber on the memory store.
 *
 * <p>{@code memory/reference} keeps event objects as the memory store does by default (the cost of
 * the read side and the store alone); {@code memory/json} and {@code rocksdb/json} store JSON bytes
 * and decode each event with the default serializer, as a reader of a durable store does. The
 * RocksDB store is filled in a temporary directory, deleted afterwards.
 *
 * <pre>
 * java -jar perpetua-bench/target/benchmarks.jar 'ReadSideBenchmark.catchUp' -f 1 -wi 2 -i 5
 * java -jar perpetua-bench/target/benchmarks.jar 'ReadSideBenchmark.Live' -f 1 -wi 2 -w 2s -i 5 -r 2s
 * </pre>
 */
public class ReadSideBenchmark {

    static final int EVENTS = 1_000_000;

    /** An event as an application would persist it. */
    public record Deposited(String accountId, long amount) {}

    /** A journal of {@value #EVENTS} events in 100 streams. */
    @State(Scope.Benchmark)
    public static class Journal {
        @Param({"memory/reference", "memory/json", "rocksdb/json"})
        public String storeAndPayload;

        Store store;
        EventQueries queries;
        private Path directory;

        @Setup(Level.Trial)
        public void fill() throws IOException {
            if (storeAndPayload.startsWith("rocksdb")) {
                directory = Files.createTempDirectory("perpetua-bench-");
                store = Stores.open("rocksdb:" + directory);
            } else {
                store = Stores.open("memory:");
            }
            Serializer serializer = storeAndPayload.endsWith("json") ? new JacksonSerializer() : null;
            Instant now = Instant.now();
            List<EventData> batch = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                Deposited event = new Deposited("account-" + i, i);
                Payload p = serializer == null ? new Payload.Reference(event) : serializer.serialize(event);
                batch.add(new EventData(p, Set.of(), now));
            }
            for (int round = 0; round < EVENTS / 1_000; round++) {
                store.journal().append(List.of(new AtomicWrite("stream-" + round % 100, ExpectedSequence.any(),
                        Collections.unmodifiableList(batch))));
            }
            queries = EventQueries.builder(store).serializer(serializer).pageSize(512).build();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            store.close();
            if (directory != null) {
                try (Stream<Path> files = Files.walk(directory)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
        }
    }

    /** Reads every event with a current query over all events; the score is events per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(EVENTS)
    public long catchUpQuery(Journal journal) {
        long sum = 0;
        try (QueryStream<PersistedEvent> events = journal.queries.currentAllEvents(1).open()) {
            while (events.hasNext()) sum += events.next().sequenceNr();
        }
        return sum;
    }

    /** Catches up with a new durable subscription, acknowledging every event; events per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(EVENTS)
    public long catchUpSubscription(Journal journal) throws InterruptedException {
        String name = "bench-" + UUID.randomUUID();
        long n = 0;
        try (DurableSubscription s = journal.queries.subscribe(name,
                SubscriptionOptions.defaults().withCheckpointEvery(1_000))) {
            while (n < EVENTS) {
                Optional<PersistedEvent> e = s.poll(Duration.ofSeconds(10));
                if (e.isEmpty()) throw new IllegalStateException("caught up after " + n + " events only");
                s.acknowledge(e.get());
                n++;
            }
        }
        journal.store.checkpoints().delete(name);
        return n;
    }

    /**
     * One call to a process that persists one event, until a live durable subscription on another
     * thread has received it: the latency from persist to subscriber, sampled (p50, p99).
     */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class Live {
        private static final ProcessType<Long, Long, Long> COUNTER =
                ProcessType.pure("counter", 0L, (Long add, Long total) -> List.of(add), (Long total, Long e) -> total + e);

        private Perpetua perpetua;
        private ProcessRef<Long> counter;
        private Thread subscriber;
        private final AtomicLong received = new AtomicLong();
        private long sent;

        @Setup(Level.Trial)
        public void start() {
            perpetua = Perpetua.builder().store("memory:").serializer(null).build();
            counter = perpetua.start(COUNTER, "counter-1");
            DurableSubscription s = EventQueries.builder(perpetua.store()).serializer(null).build()
                    .subscribe("latency", SubscriptionOptions.defaults().withStartFrom(StartFrom.current()));
            subscriber = Thread.ofPlatform().daemon(true).name("subscriber").start(() -> {
                try (s) {
                    while (!Thread.currentThread().isInterrupted()) {
                        Optional<PersistedEvent> e = s.poll(Duration.ofMillis(100));
                        if (e.isPresent()) {
                            s.acknowledge(e.get());
                            received.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        @Benchmark
        public long persistToSubscriber() {
            counter.call(1L);
            long target = ++sent;
            while (received.get() < target) Thread.onSpinWait();
            return target;
        }

        /** The same call without waiting for the subscriber: the persist alone, for comparison. */
        @Benchmark
        public long persistOnly() {
            counter.call(1L);
            return ++sent;
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            subscriber.interrupt();
            subscriber.join();
            perpetua.close();
        }
    }
}
