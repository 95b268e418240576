package io.perpetua.bench;

import io.perpetua.Perpetua;
import io.perpetua.ProcessType;
import io.perpetua.jackson.JacksonSerializer;
import io.perpetua.rocksdb.RocksDbStore;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The RocksDB store on its own, with the CPU time it costs per event, for judging changes to the store.
 *
 * <ul>
 *   <li>{@code write DIR [events] [writesPerBatch] [fsync|ack-before-fsync]}: appends as group commit
 *       hands them over: batches of {@code writesPerBatch} single-event writes (100-byte payloads) to
 *       1,000 streams in turn, from one thread. Prints events/s and the process CPU time per event
 *       (RocksDB's background threads included).</li>
 *   <li>{@code replay DIR [events]}: writes one stream of small JSON events (a record of five fields,
 *       about 110 bytes, with the default {@link JacksonSerializer}), then recovers it with
 *       {@link Perpetua#readState} three times, and reads it through the journal alone (no decode)
 *       three times, so that the store's share and the decode's share can be told apart.</li>
 * </ul>
 *
 * <pre>java -cp perpetua-bench/target/benchmarks.jar io.perpetua.bench.RocksDbStoreBench replay /tmp/x</pre>
 */
public final class RocksDbStoreBench {

    /** A typical small event. */
    public record MoneyDeposited(String accountId, long amount, String currency, Instant at, String reference) {}

    private RocksDbStoreBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RocksDbStoreBench write|replay DIR [events] [writesPerBatch] [fsync|ack-before-fsync]");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        if (Files.exists(dir)) throw new IllegalArgumentException(dir + " exists; give a fresh directory");
        switch (args[0]) {
            case "write" -> write(dir, args.length > 2 ? Long.parseLong(args[2]) : 1_000_000,
                    args.length > 3 ? Integer.parseInt(args[3]) : 50,
                    args.length > 4 && args[4].equals("ack-before-fsync") ? RocksDbStore.Durability.ACK_BEFORE_FSYNC
                            : RocksDbStore.Durability.FSYNC);
            case "replay" -> replay(dir, args.length > 2 ? Long.parseLong(args[2]) : 1_000_000);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void write(Path dir, long events, int perBatch, RocksDbStore.Durability durability) {
        byte[] body = new byte[100];
        Arrays.fill(body, (byte) 'x');
        Payload.Serialized payload = new Payload.Serialized("bench", 1, body);
        try (RocksDbStore store = RocksDbStore.open(dir, durability)) {
            int streams = 1000;
            long written = 0;
            int next = 0;
            // warm-up, not counted: one event per stream, twice
            for (int round = 0; round < 2 * streams / perBatch + 1; round++) {
                List<AtomicWrite> batch = new ArrayList<>(perBatch);
                for (int i = 0; i < perBatch; i++) {
                    batch.add(new AtomicWrite("s-" + (next++ % streams), ExpectedSequence.any(),
                            List.of(new EventData(payload, Set.of(), Instant.now()))));
                }
                store.journal().append(batch);
            }
            long cpu0 = cpu();
            long t0 = System.nanoTime();
            while (written < events) {
                List<AtomicWrite> batch = new ArrayList<>(perBatch);
                for (int i = 0; i < perBatch; i++) {
                    batch.add(new AtomicWrite("s-" + (next++ % streams), ExpectedSequence.any(),
                            List.of(new EventData(payload, Set.of(), Instant.now()))));
                }
                for (WriteResult r : store.journal().append(batch)) {
                    if (!(r instanceof WriteResult.Written)) throw new IllegalStateException(r.toString());
                }
                written += perBatch;
            }
            long t1 = System.nanoTime();
            long cpu1 = cpu();
            System.out.printf(Locale.ROOT, "write events=%d writes_per_batch=%d durability=%s seconds=%.3f events_per_s=%.0f"
                    + " cpu_us_per_event=%.3f%n", written, perBatch, durability, (t1 - t0) / 1e9,
                    written / ((t1 - t0) / 1e9), (cpu1 - cpu0) / 1e3 / written);
        }
    }

    private static void replay(Path dir, long n) {
        JacksonSerializer json = new JacksonSerializer();
        String id = "account-1";
        try (RocksDbStore store = RocksDbStore.open(dir, RocksDbStore.Durability.ACK_BEFORE_FSYNC)) {
            Instant now = Instant.now();
            long expected = 0;
            for (long written = 0; written < n; ) {
                int batch = (int) Math.min(1000, n - written);
                List<EventData> data = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    long amount = (written + i) % 10_000;
                    expected += amount;
                    data.add(new EventData(json.serialize(new MoneyDeposited("acc-42", amount, "EUR", now, "salary")),
                            Set.of(), now));
                }
                WriteResult r = store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), data))).getFirst();
                if (!(r instanceof WriteResult.Written)) throw new IllegalStateException(r.toString());
                written += batch;
            }
            System.out.println("sample event: " + new String(((Payload.Serialized) store.journal().read(id, 1, 1, 1)
                    .getFirst().payload()).bytes()));
            ProcessType<Object, Long, MoneyDeposited> type = ProcessType.<Object, Long, MoneyDeposited>pure("account", 0L,
                    (cmd, balance) -> List.of(), (balance, e) -> balance + e.amount());
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(json).build()) {
                for (int i = 0; i < 5; i++) {
                    long c0 = cpu();
                    long t0 = System.nanoTime();
                    long balance = perpetua.readState(type, id).state();
                    long t1 = System.nanoTime();
                    long c1 = cpu();
                    if (balance != expected) throw new IllegalStateException("balance " + balance + ", expected " + expected);
                    System.out.printf(Locale.ROOT, "replay-json events=%d seconds=%.3f events_per_s=%.0f cpu_us_per_event=%.3f%n",
                            n, (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), (c1 - c0) / 1e3 / n);
                }
            }
            for (int i = 0; i < 5; i++) {
                long c0 = cpu();
                long t0 = System.nanoTime();
                long count = 0;
                long bytes = 0;
                for (long next = 1; next <= n; ) {
                    List<StoredEvent> page = store.journal().read(id, next, n, 1000);
                    for (StoredEvent e : page) bytes += ((Payload.Serialized) e.payload()).bytes().length;
                    count += page.size();
                    next = page.getLast().sequenceNr() + 1;
                }
                long t1 = System.nanoTime();
                long c1 = cpu();
                if (count != n) throw new IllegalStateException("read " + count);
                System.out.printf(Locale.ROOT, "read-only events=%d bytes=%d seconds=%.3f events_per_s=%.0f cpu_us_per_event=%.3f%n",
                        n, bytes, (t1 - t0) / 1e9, n / ((t1 - t0) / 1e9), (c1 - c0) / 1e3 / n);
            }
        }
    }
}
