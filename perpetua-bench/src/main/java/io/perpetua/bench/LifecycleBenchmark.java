package io.perpetua.bench;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of a message to a live process versus one to a passivated process, on the memory store.
 * Every process is a small pure-form counter with {@value #EVENTS} events in its journal; the
 * message is a call that decides nothing and replies with the state.
 *
 * <p>{@code toLive} calls one live process. {@code toPassivated} calls a different process each time,
 * out of {@value #POOL} whose events are in the store but which are not running, with the runtime
 * capped at {@value #CAP} live processes: each call activates its process (a new virtual thread,
 * recovery of its events) and the cap passivates the least recently used. Its throughput is the
 * activation rate of one caller: small processes recovered and answered per second.
 *
 * <pre>
 * java -jar perpetua-bench/target/benchmarks.jar LifecycleBenchmark -f 1 -wi 2 -w 2s -i 5 -r 3s
 * java -jar perpetua-bench/target/benchmarks.jar LifecycleBenchmark.toPassivated -f 1 -wi 2 -w 2s -i 5 -r 3s -t 4 -bm thrpt -tu s
 * </pre>
 *
 * <p>The second line measures the activation rate with four concurrent callers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LifecycleBenchmark {

    static final int EVENTS = 10;
    static final int POOL = 200_000;
    static final int CAP = 1_000;

    /** The counter's only command: reply with the count. */
    public record Get() {}

    /** The counter's only event. */
    public record Incremented() {}

    static final ProcessType<Get, Integer, Incremented> COUNTERS = ProcessType.<Get, Integer, Incremented>pure("counter",
            0, (cmd, count) -> List.of(), (count, e) -> count + 1);

    Perpetua perpetua;
    ProcessRef<Get> live;
    List<ProcessRef<Get>> passivated;
    final AtomicInteger next = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        perpetua = Perpetua.builder().store("memory:").serializer(null).maxLiveProcesses(CAP).build();
        Store store = perpetua.store();
        List<AtomicWrite> writes = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i <= POOL; i++) {
            List<EventData> events = new ArrayList<>();
            for (int e = 0; e < EVENTS; e++) events.add(new EventData(new Payload.Reference(new Incremented()), Set.of(), now));
            writes.add(new AtomicWrite("counter-" + i, ExpectedSequence.exactly(0), events));
            if (writes.size() == 1_000) {
                store.journal().append(writes);
                writes.clear();
            }
        }
        if (!writes.isEmpty()) store.journal().append(writes);
        live = perpetua.ref(COUNTERS, "counter-" + POOL);
        passivated = new ArrayList<>(POOL);
        for (int i = 0; i < POOL; i++) passivated.add(perpetua.ref(COUNTERS, "counter-" + i));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        perpetua.close();
    }

    @Benchmark
    public Integer toLive() {
        return live.call(new Get());
    }

    @Benchmark
    public Integer toPassivated() {
        return passivated.get(Math.floorMod(next.getAndIncrement(), POOL)).call(new Get());
    }
}
