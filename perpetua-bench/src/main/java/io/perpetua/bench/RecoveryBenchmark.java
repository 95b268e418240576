package io.perpetua.bench;

import io.perpetua.Perpetua;
import java.util.concurrent.TimeUnit;
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
 * Recovery on the memory store: rebuilding the state of one account from a stream of
 * {@value #EVENTS} {@link PersistBenchmark.Deposited} events (no snapshot), as activation does. One
 * operation is one event replayed, so the score is the time per event and its inverse the replay
 * rate. {@code events=objects} replays events kept as objects; {@code json} decodes each with the
 * default serializer (about 80 bytes of JSON an event).
 *
 * <pre>
 * java -jar perpetua-bench/target/benchmarks.jar RecoveryBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecoveryBenchmark {

    static final int EVENTS = 100_000;

    @Param({"objects", "json"})
    public String events;

    Perpetua perpetua;
    String id;

    @Setup(Level.Trial)
    public void setUp() {
        Perpetua.Builder builder = Perpetua.builder().store("memory:");
        if (events.equals("objects")) builder.keepObjectsInMemory();
        perpetua = builder.build();
        id = "replayed-" + Long.toString(System.nanoTime(), 36);
        var ref = perpetua.start(PersistBenchmark.ACCOUNTS, id);
        for (int i = 1; i < EVENTS; i++) ref.cast(new PersistBenchmark.Deposit(1));
        long balance = ref.call(new PersistBenchmark.Deposit(1));
        if (balance != EVENTS) throw new IllegalStateException("wrote " + balance + " events, expected " + EVENTS);
        ref.stop();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        perpetua.close();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public Long replay() {
        return perpetua.readState(PersistBenchmark.ACCOUNTS, id).state();
    }
}
