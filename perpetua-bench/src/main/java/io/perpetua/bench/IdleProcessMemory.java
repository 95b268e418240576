package io.perpetua.bench;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory per live idle process: the heap used (after garbage collection) by N processes that each
 * handled one call and now wait for messages, divided by N. The processes are small pure-form
 * counters on the memory store whose call decides nothing, so the store holds no data and the
 * difference is what the runtime keeps per process (its virtual thread, mailbox and state).
 *
 * <pre>
 * java -cp perpetua-bench/target/benchmarks.jar io.perpetua.bench.IdleProcessMemory [N]
 * </pre>
 */
public final class IdleProcessMemory {

    private IdleProcessMemory() {}

    /** The counter's only command. */
    public record Get() {}

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        ProcessType<Get, Integer, Object> type = ProcessType.<Get, Integer, Object>pure("counter", 0,
                (cmd, count) -> List.of(), (count, e) -> count);
        try (Perpetua perpetua = Perpetua.builder().store("memory:").serializer(null).build()) {
            perpetua.ref(type, "warm-up").call(new Get());
            List<ProcessRef<Get>> refs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) refs.add(perpetua.ref(type, "idle-" + i));
            long before = usedHeap();
            long start = System.nanoTime();
            for (ProcessRef<Get> ref : refs) ref.call(new Get());
            double seconds = (System.nanoTime() - start) / 1e9;
            long after = usedHeap();
            System.out.printf("%,d live idle processes: %,d bytes of heap each (%,d MiB in all); "
                    + "started at %,.0f per second by one caller%n", perpetua.liveProcesses(), (after - before) / n,
                    (after - before) >> 20, n / seconds);
        }
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
