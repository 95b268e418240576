package io.perpetua.cli;

import io.perpetua.Context;
import io.perpetua.Perpetua;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua load}: P processes each persist N events, one persist at a time (a persistAll of
 * B events when B > 1), through the runtime and its group commit. With {@code --ack-log}, one line
 * {@code <persistenceId> <sequenceNr>} per event is written after each acknowledged persist, never
 * before. Processes are named {@code load-<run>-<i>} with a fresh run number, so repeated loads on one
 * store do not collide.
 *
 * <p>The load rides out a store outage (a database restart, say): a persist whose outcome is unknown
 * fails its call and the process restarts from the journal, so the load sends the next command; a
 * process that stopped because its restart failed is started again, with backoff, for up to
 * {@code --outage-timeout} seconds. Every acknowledged persist is in the ack log, and only those.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Persists events with many processes and reports the throughput.")
final class LoadCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private StoreOption store;

    @Option(names = "--processes", paramLabel = "P", required = true, description = "Number of processes.")
    private int processes;

    @Option(names = "--events", paramLabel = "N", required = true, description = "Events per process.")
    private long events;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Events per persist (default 1).")
    private int batch;

    @Option(names = "--payload", paramLabel = "BYTES", defaultValue = "100", description = "Bytes per event (default 100).")
    private int payload;

    @Option(names = "--ack-log", paramLabel = "FILE", description = "Appends '<persistenceId> <sequenceNr>' per acknowledged event.")
    private Path ackLog;

    @Option(names = "--outage-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long one process keeps retrying while the store is unavailable (default 120).")
    private int outageTimeout;

    private final java.util.concurrent.atomic.AtomicLong retried = new java.util.concurrent.atomic.AtomicLong();

    /** One load process: persists B payloads per call and replies with the first sequence number. */
    static final class Loader implements PersistentProcess<Integer, Long, byte[]> {
        private final byte[] body;

        Loader(int size) {
            body = new byte[size];
            Arrays.fill(body, (byte) 'x');
        }

        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Long apply(Long count, byte[] event) {
            return count + 1;
        }

        @Override
        public void handleCall(Integer n, Context<Long, byte[]> ctx) {
            long first = ctx.lastSequenceNr() + 1;
            if (n == 1) {
                ctx.persist(body);
            } else {
                List<byte[]> events = new ArrayList<>(n);
                for (int i = 0; i < n; i++) events.add(body);
                ctx.persistAll(events);
            }
            ctx.reply(first);
        }
    }

    /** Load events are opaque bytes. */
    static final class BytesSerializer implements Serializer {
        static final String MANIFEST = "perpetua.load.Payload";

        @Override
        public Payload.Serialized serialize(Object value) {
            if (value instanceof byte[] b) return new Payload.Serialized(MANIFEST, 1, b);
            if (value instanceof Long l) return new Payload.Serialized("perpetua.load.Count", 1,
                    Long.toString(l).getBytes(StandardCharsets.UTF_8));
            throw new IllegalArgumentException("load events are byte arrays, not " + value.getClass().getName());
        }

        @Override
        public Object deserialize(Payload.Serialized payload) {
            return payload.manifest().equals(MANIFEST) ? payload.bytes()
                    : Long.parseLong(new String(payload.bytes(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public Integer call() throws Exception {
        if (processes < 1) throw usage("--processes must be at least 1, was " + processes);
        if (events < 1) throw usage("--events must be at least 1, was " + events);
        if (batch < 1) throw usage("--batch must be at least 1, was " + batch);
        if (payload < 0) throw usage("--payload must be at least 0, was " + payload);
        ProcessType<Integer, Long, byte[]> type = ProcessType.of("load", () -> new Loader(payload));
        OutputStream acks = ackLog == null ? null : new FileOutputStream(ackLog.toFile(), true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start;
        long end;
        try (Store opened = store.open();
                Perpetua perpetua = Perpetua.builder().store(opened).serializer(new BytesSerializer()).build()) {
            String run = Long.toString(System.currentTimeMillis(), 36);
            List<ProcessRef<Integer>> refs = new ArrayList<>();
            for (int i = 0; i < processes; i++) refs.add(perpetua.start(type, "load-" + run + "-" + i));
            start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (ProcessRef<Integer> ref : refs) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        drive(perpetua, type, ref, acks);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            end = System.nanoTime();
        } finally {
            if (acks != null) acks.close();
        }
        if (failure.get() != null) throw new IllegalStateException("a persist failed: " + failure.get().getMessage(), failure.get());
        long total = processes * events;
        double seconds = (end - start) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        if (retried.get() > 0) out.println("retried=" + retried.get() + " (persists that failed while the store was unavailable)");
        out.println(String.format(Locale.ROOT, "events=%d seconds=%.3f events_per_s=%.0f", total, seconds, total / seconds));
        out.flush();
        return 0;
    }

    private void drive(Perpetua perpetua, ProcessType<Integer, Long, byte[]> type, ProcessRef<Integer> ref, OutputStream acks)
            throws IOException, InterruptedException {
        long done = 0;
        StringBuilder lines = new StringBuilder();
        long outageSince = 0;
        long backoff = 100;
        while (done < events) {
            int n = (int) Math.min(batch, events - done);
            long first;
            try {
                first = ref.<Long>call(n);
                outageSince = 0;
                backoff = 100;
            } catch (io.perpetua.PersistFailedException | io.perpetua.ProcessStoppedException
                    | io.perpetua.RecoveryFailedException | io.perpetua.CallTimeoutException e) {
                // the outcome is unknown or the process is down: it recovers from the journal, we send again
                retried.incrementAndGet();
                if (outageSince == 0) outageSince = System.nanoTime();
                if (System.nanoTime() - outageSince > TimeUnit.SECONDS.toNanos(outageTimeout)) throw e;
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 2_000);
                if (!ref.isAlive()) {
                    try {
                        ref = perpetua.start(type, ref.persistenceId());
                    } catch (RuntimeException startFailed) {
                        // still unavailable; try again after the backoff
                    }
                }
                continue;
            }
            done += n;
            if (acks != null) {
                lines.setLength(0);
                for (int i = 0; i < n; i++) lines.append(ref.persistenceId()).append(' ').append(first + i).append('\n');
                byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
                synchronized (acks) {
                    acks.write(bytes);
                }
            }
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
