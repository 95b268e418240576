package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.testing.Counter;
import io.perpetua.testing.Counters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §4 at scale: a million distinct processes, each activated by one call and then left idle,
 * all passivate and the runtime keeps nothing of them. Each call is a command that decides no
 * events, so the store stays empty and the heap measures only what the runtime holds.
 */
@Tag("slow")
class MillionProcessesTest {

    private static final int PROCESSES = 1_000_000;
    private static final int SENDERS = 64;
    private static final long HEAP_SLACK_BYTES = 64L << 20;

    @Test
    void a_million_processes_each_sent_one_message_all_passivate_and_the_heap_returns_near_its_starting_size()
            throws InterruptedException {
        ProcessType<Counter.Command, Integer, Counter.Event> type = Counters.type().withPassivateAfter(Duration.ofMillis(200));
        try (Perpetua perpetua = Perpetua.builder().store("memory:").maxLiveProcesses(20_000).build()) {
            perpetua.ref(type, "warm-up").call(new Counter.Noop());
            awaitNoLiveProcesses(perpetua);
            long before = usedHeapAfterGc();

            AtomicInteger replies = new AtomicInteger();
            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int first = s;
                senders.add(Thread.ofVirtual().start(() -> {
                    for (int i = first; i < PROCESSES; i += SENDERS) {
                        Integer count = perpetua.ref(type, "million-" + i).call(new Counter.Noop());
                        if (count == 0) replies.incrementAndGet();
                    }
                }));
            }
            for (Thread t : senders) t.join();
            assertThat(replies).hasValue(PROCESSES);

            awaitNoLiveProcesses(perpetua);
            long after = usedHeapAfterGc();

            assertThat(after - before)
                    .as("heap growth after %,d processes passivated (before %,d bytes, after %,d bytes)", PROCESSES,
                            before, after)
                    .isLessThan(HEAP_SLACK_BYTES);
        }
    }

    private static void awaitNoLiveProcesses(Perpetua perpetua) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (perpetua.liveProcesses() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(perpetua.liveProcesses() + " processes are still live after 120 s");
            }
            Thread.sleep(50);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
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
