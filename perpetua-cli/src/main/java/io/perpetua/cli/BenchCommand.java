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
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua bench}: standard workloads on a store, each printing one line
 * {@code workload=<w> events=<n> seconds=<s> events_per_s=<r> p50_us=<a> p99_us=<b>}, after one line
 * with the machine's own limits for the store's directory (fdatasync latency and rate, sequential
 * write bandwidth), measured in the same run.
 *
 * <ul>
 *   <li>{@code processes}: P processes (default 1,000) each persisting one 100-byte event at a time;
 *       latency is per persist, as the caller sees it.</li>
 *   <li>{@code single}: one process persisting one event at a time.</li>
 *   <li>{@code replay}: recovery of one stream of N events (default 1,000,000) written beforehand;
 *       run 3 times, the latency fields are the median and worst full replay.</li>
 *   <li>{@code catchup}: reading the whole journal in global order, 1,000 events a page; latency
 *       fields are per page.</li>
 * </ul>
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Runs standard workloads and prints throughput and latency beside the disk's own limits.")
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
            description = "Events: per process for 'processes' (default 100), in total for 'single' (default 2,000 on "
                    + "a durable store, 100,000 in memory), in the stream for 'replay' (default 1,000,000).")
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
                Perpetua perpetua = Perpetua.builder().store(opened).serializer(new LoadCommand.BytesSerializer()).build()) {
            String run = Long.toString(System.currentTimeMillis(), 36);
            for (String w : workloads) {
                switch (w) {
                    case "processes" -> persist(perpetua, "processes", run, processes, events == null ? 100 : events);
                    case "single" -> persist(perpetua, "single", run, 1, events != null ? events : durable ? 2_000 : 100_000);
                    case "replay" -> replay(perpetua, opened, run, events == null ? 1_000_000 : events);
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

    private void persist(Perpetua perpetua, String name, String run, int count, long perProcess) throws Exception {
        ProcessType<Integer, Long, byte[]> type = ProcessType.of("bench", () -> new LoadCommand.Loader(100));
        List<ProcessRef<Integer>> refs = new ArrayList<>();
        for (int i = 0; i < count; i++) refs.add(perpetua.start(type, "bench-" + name + "-" + run + "-" + i));
        long[][] latencies = new long[count][];
        // warm up the path (JIT) with a few persists per process, not counted
        for (ProcessRef<Integer> ref : refs) ref.call(1);
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            int p = i;
            threads.add(Thread.ofVirtual().start(() -> {
                long[] l = new long[(int) perProcess];
                ProcessRef<Integer> ref = refs.get(p);
                for (int e = 0; e < perProcess; e++) {
                    long t = System.nanoTime();
                    ref.call(1);
                    l[e] = System.nanoTime() - t;
                }
                latencies[p] = l;
            }));
        }
        for (Thread t : threads) t.join();
        long elapsed = System.nanoTime() - start;
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        result(name, all.length, elapsed, all);
    }

    private void replay(Perpetua perpetua, Store store, String run, long n) {
        String id = "bench-replay-" + run;
        byte[] body = new byte[100];
        Arrays.fill(body, (byte) 'x');
        Instant now = Instant.now();
        for (long written = 0; written < n; ) {
            int batch = (int) Math.min(1000, n - written);
            List<EventData> data = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                data.add(new EventData(new Payload.Serialized(LoadCommand.BytesSerializer.MANIFEST, 1, body), Set.of(), now));
            }
            WriteResult r = store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), data))).getFirst();
            if (!(r instanceof WriteResult.Written)) throw new IllegalStateException("writing the replay stream: " + r);
            written += batch;
        }
        ProcessType<Integer, Long, byte[]> type = ProcessType.of("bench", () -> new LoadCommand.Loader(100));
        long[] runs = new long[3];
        for (int i = 0; i < runs.length; i++) {
            long t = System.nanoTime();
            long state = perpetua.readState(type, id).state();
            runs[i] = System.nanoTime() - t;
            if (state != n) throw new IllegalStateException("replay gave " + state + " events, expected " + n);
        }
        Arrays.sort(runs);
        out.println(line("replay", n, runs[1], runs[1], runs[2]));
    }

    private void catchup(Store store) {
        List<Long> pages = new ArrayList<>();
        long events = 0;
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
        result("catchup", events, elapsed, pages.stream().mapToLong(Long::longValue).sorted().toArray());
    }

    private void result(String name, long events, long elapsedNanos, long[] sortedLatencies) {
        long p50 = sortedLatencies.length == 0 ? 0 : sortedLatencies[sortedLatencies.length / 2];
        long p99 = sortedLatencies.length == 0 ? 0 : sortedLatencies[(int) Math.min(sortedLatencies.length - 1,
                Math.ceil(sortedLatencies.length * 0.99) - 1)];
        out.println(line(name, events, elapsedNanos, p50, p99));
    }

    private static String line(String name, long events, long elapsedNanos, long p50, long p99) {
        double seconds = elapsedNanos / 1e9;
        return String.format(Locale.ROOT, "workload=%s events=%d seconds=%.3f events_per_s=%.0f p50_us=%.1f p99_us=%.1f",
                name, events, seconds, events / seconds, p50 / 1e3, p99 / 1e3);
    }
}
