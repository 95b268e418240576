package io.perpetua.cli;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua bench}: standard workloads on a store, each printing one line
 * {@code workload=<w> events=<n> seconds=<s> events_per_s=<r> p50_us=<a> p99_us=<b> cpu_us_per_event=<c>}
 * ({@code c}: the CPU time of this JVM, all its threads, per event while the workload ran; a
 * server's, such as PostgreSQL's, is not in it), after one line
 * with the machine's own limits for the store's directory (fdatasync latency and rate, sequential
 * write bandwidth) and one core's speed (a sort of a million longs), measured in the same run.
 *
 * <ul>
 *   <li>{@code processes}: P processes (default 1,000) each persisting N 100-byte events (default
 *       1,000) one at a time. The driver keeps one call in flight per process and sends the next
 *       when the reply arrives ({@link ProcessRef#ask}), as an application serving many clients
 *       would; latency is per persist, from the ask to the reply.</li>
 *   <li>{@code single}: one process persisting one event at a time.</li>
 *   <li>{@code replay}: recovery of one stream of N events (default 1,000,000) written beforehand,
 *       each a small record ({@link Deposited}, about 90 bytes) in the default serializer's format
 *       (JSON) on a durable store, kept as an object on the memory store, decoded and applied as a
 *       process's recovery does; run 3 times, the latency fields are the median and worst full
 *       replay.</li>
 *   <li>{@code catchup}: reading the whole journal in global order, 1,000 events a page; latency
 *       fields are per page.</li>
 * </ul>
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Runs standard workloads and prints throughput and latency beside the machine's own limits.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private StoreOption store;

    @Option(names = "--workload", paramLabel = "NAME", split = ",", defaultValue = "processes,single,replay,catchup",
            description = "processes, single, replay, catchup, or a comma-separated list (default: all).")
    private List<String> workloads;

    @Option(names = "--processes", paramLabel = "P", defaultValue = "1000", description = "Processes for 'processes'.")
    private int processes;

    @Option(names = "--events", paramLabel = "N",
            description = "Events: per process for 'processes' (default 1,000), in total for 'single' (default 2,000 on "
                    + "a durable store, 1,000,000 in memory), in the stream for 'replay' (default 1,000,000).")
    private Long events;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        for (String w : workloads) {
            if (!List.of("processes", "single", "replay", "catchup").contains(w)) {
                throw new ParameterException(spec.commandLine(), "unknown workload '" + w
                        + "'; choose from processes, single, replay, catchup");
            }
        }
        out = spec.commandLine().getOut();
        boolean durable = !store.uri.startsWith("memory:");
        out.println(DiskLimits.measure(directoryOf(store.uri), 200, 256).line());
        out.flush();
        try (Store opened = store.open();
                Perpetua perpetua = writer(opened, durable)) {
            String run = Long.toString(System.currentTimeMillis(), 36);
            for (String w : workloads) {
                switch (w) {
                    case "processes" -> persistConcurrently(perpetua, run, processes, events == null ? 1_000 : events);
                    case "single" -> single(perpetua, run, events != null ? events : durable ? 2_000 : 1_000_000);
                    case "replay" -> replay(opened, run, events == null ? 1_000_000 : events);
                    case "catchup" -> catchup(opened);
                    default -> throw new IllegalStateException(w);
                }
                out.flush();
            }
        }
        return 0;
    }

    /** The directory whose limits matter: the RocksDB directory, else the working directory. */
    private static Path directoryOf(String uri) {
        if (uri.startsWith("rocksdb:")) {
            String path = uri.substring("rocksdb:".length());
            int q = path.indexOf('?');
            return Path.of(q < 0 ? path : path.substring(0, q)).toAbsolutePath();
        }
        return Path.of("").toAbsolutePath();
    }

    private void persistConcurrently(Perpetua perpetua, String run, int count, long perProcess) throws Exception {
        ProcessType<Integer, Long, byte[]> type = ProcessType.of("bench", () -> new LoadCommand.Loader(100));
        List<ProcessRef<Integer>> refs = new ArrayList<>();
        for (int i = 0; i < count; i++) refs.add(perpetua.start(type, "bench-processes-" + run + "-" + i));
        // warm up the path (JIT) with the same driver, not counted: rounds for 2 s (at most 10)
        long warmUpEnd = System.nanoTime() + 2_000_000_000L;
        for (int round = 0; round < 10 && System.nanoTime() < warmUpEnd; round++) {
            drive(refs, Math.max(1, Math.min(100, perProcess / 10)));
        }
        long cpu = cpuNanos();
        long start = System.nanoTime();
        long[][] latencies = drive(refs, perProcess);
        long elapsed = System.nanoTime() - start;
        cpu = cpuNanos() - cpu;
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        result("processes", all.length, elapsed, cpu, all);
    }

    /** Each process gets {@code perProcess} calls, one in flight at a time; returns the latencies per process. */
    private static long[][] drive(List<ProcessRef<Integer>> refs, long perProcess) throws InterruptedException {
        long[][] latencies = new long[refs.size()][(int) perProcess];
        CountDownLatch done = new CountDownLatch(refs.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < refs.size(); i++) new CallChain(refs.get(i), latencies[i], done, failure).next();
        done.await();
        if (failure.get() != null) throw new IllegalStateException("a persist failed: " + failure.get(), failure.get());
        return latencies;
    }

    /** One process's calls: the next is sent from the previous one's reply. */
    private static final class CallChain {
        private final ProcessRef<Integer> ref;
        private final long[] latencies;
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure;
        private int sent;
        private long sentAt;

        CallChain(ProcessRef<Integer> ref, long[] latencies, CountDownLatch done, AtomicReference<Throwable> failure) {
            this.ref = ref;
            this.latencies = latencies;
            this.done = done;
            this.failure = failure;
        }

        void next() {
            sentAt = System.nanoTime();
            ref.ask(1).whenComplete((reply, error) -> {
                latencies[sent++] = System.nanoTime() - sentAt;
                if (error != null) {
                    failure.compareAndSet(null, error);
                    done.countDown();
                } else if (sent < latencies.length) {
                    next();
                } else {
                    done.countDown();
                }
            });
        }
    }

    /**
     * One process and one caller on a virtual thread (as an application's request handler would be)
     * waiting for each reply ({@link ProcessRef#call}): the latency of one persist.
     */
    private void single(Perpetua perpetua, String run, long n) throws InterruptedException {
        ProcessType<Integer, Long, byte[]> type = ProcessType.of("bench", () -> new LoadCommand.Loader(100));
        ProcessRef<Integer> ref = perpetua.start(type, "bench-single-" + run);
        long[] latencies = new long[(int) n];
        long[] elapsed = new long[2]; // wall, CPU
        Thread caller = Thread.ofVirtual().start(() -> {
            for (int e = 0; e < Math.min(1_000, n); e++) ref.call(1); // warm up the path (JIT), not counted
            long cpu = cpuNanos();
            long start = System.nanoTime();
            for (int e = 0; e < n; e++) {
                long t = System.nanoTime();
                ref.call(1);
                latencies[e] = System.nanoTime() - t;
            }
            elapsed[0] = System.nanoTime() - start;
            elapsed[1] = cpuNanos() - cpu;
        });
        caller.join();
        if (elapsed[0] == 0) throw new IllegalStateException("the single-process workload failed; see the log");
        Arrays.sort(latencies);
        result("single", n, elapsed[0], elapsed[1], latencies);
    }

    /**
     * The runtime for the persist workloads: on a durable store, 100-byte opaque payloads (the
     * {@code load} serializer), so that the figures measure the runtime and the store, not JSON; on
     * the memory store, events kept as objects, as an in-memory journal keeps them.
     */
    private static Perpetua writer(Store store, boolean durable) {
        Perpetua.Builder builder = Perpetua.builder().store(store);
        return durable ? builder.serializer(new LoadCommand.BytesSerializer()).build() : builder.keepObjectsInMemory().build();
    }

    /** The replayed event: a typical small domain event. */
    public record Deposited(String accountId, long amount, String currency, Instant at) {}

    private static final ProcessType<Object, Long, Deposited> ACCOUNT = ProcessType.<Object, Long, Deposited>pure(
            "bench-account", 0L, (command, balance) -> List.of(), (balance, e) -> balance + e.amount());

    private void replay(Store store, String run, long n) {
        String id = "bench-replay-" + run;
        // a runtime on the same store (which it does not close): on a durable store with the default
        // serializer, on the memory store keeping objects, as each is used by default
        boolean objects = store.acceptsReferences();
        Perpetua.Builder builder = Perpetua.builder().store(store);
        if (objects) builder.keepObjectsInMemory();
        try (Perpetua json = builder.build()) {
            var serializer = json.serializer().orElse(null);
            Instant now = Instant.now();
            for (long written = 0; written < n; ) {
                int batch = (int) Math.min(1000, n - written);
                List<EventData> data = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    Deposited e = new Deposited("acc-42", 1, "EUR", now.plusMillis(written + i));
                    data.add(new EventData(objects ? new Payload.Reference(e) : serializer.serialize(e), Set.of(), now));
                }
                WriteResult r = store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), data))).getFirst();
                if (!(r instanceof WriteResult.Written)) throw new IllegalStateException("writing the replay stream: " + r);
                written += batch;
            }
            long[][] runs = new long[3][]; // wall, CPU
            for (int i = 0; i < runs.length; i++) {
                long cpu = cpuNanos();
                long t = System.nanoTime();
                long balance = json.readState(ACCOUNT, id).state();
                runs[i] = new long[] {System.nanoTime() - t, cpuNanos() - cpu};
                if (balance != n) throw new IllegalStateException("replay gave " + balance + " events, expected " + n);
            }
            Arrays.sort(runs, Comparator.comparingLong(r -> r[0]));
            out.println(line("replay", n, runs[1][0], runs[1][1], runs[1][0], runs[2][0]));
        }
    }

    private void catchup(Store store) {
        List<Long> pages = new ArrayList<>();
        long events = 0;
        long cpu = cpuNanos();
        long start = System.nanoTime();
        for (long from = 1; ; ) {
            long t = System.nanoTime();
            List<StoredEvent> page = store.journal().readAll(from, 1000);
            pages.add(System.nanoTime() - t);
            if (page.isEmpty()) break;
            events += page.size();
            from = page.getLast().globalPosition() + 1;
        }
        long elapsed = System.nanoTime() - start;
        cpu = cpuNanos() - cpu;
        result("catchup", events, elapsed, cpu, pages.stream().mapToLong(Long::longValue).sorted().toArray());
    }

    private void result(String name, long events, long elapsedNanos, long cpuNanos, long[] sortedLatencies) {
        long p50 = sortedLatencies.length == 0 ? 0 : sortedLatencies[sortedLatencies.length / 2];
        long p99 = sortedLatencies.length == 0 ? 0 : sortedLatencies[(int) Math.min(sortedLatencies.length - 1,
                Math.ceil(sortedLatencies.length * 0.99) - 1)];
        out.println(line(name, events, elapsedNanos, cpuNanos, p50, p99));
    }

    private static String line(String name, long events, long elapsedNanos, long cpuNanos, long p50, long p99) {
        double seconds = elapsedNanos / 1e9;
        return String.format(Locale.ROOT,
                "workload=%s events=%d seconds=%.3f events_per_s=%.0f p50_us=%.1f p99_us=%.1f cpu_us_per_event=%.2f",
                name, events, seconds, events / seconds, p50 / 1e3, p99 / 1e3, cpuNanos / 1e3 / Math.max(1, events));
    }

    /** The CPU time this JVM has used, all threads (user and system), in nanoseconds. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
