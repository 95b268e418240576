package io.perpetua.bench;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * The persist path on the memory store: a pure-form account whose deposit command persists one
 * {@link Deposited} event, called the way applications call it.
 *
 * <p>{@code oneCaller}: one caller on a virtual thread waiting for each reply ({@code call}), 1,000
 * calls per operation of JMH: the latency of a persist
 * through mailbox, handler, group commit, store and reply. {@code thousandProcesses}: 1,000
 * processes, each with one call in flight, the next sent from the previous reply ({@code ask}); one
 * operation is one persist, so its inverse is the throughput. {@code events=objects} keeps events as
 * objects (the memory store's default); {@code json} serializes each with the default serializer, as
 * a durable store would.
 *
 * <pre>
 * java -jar perpetua-bench/target/benchmarks.jar PersistBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PersistBenchmark {

    static final int PROCESSES = 1_000;
    static final int PER_PROCESS = 100;
    static final int CALLS = 1_000;

    public record Deposit(long amount) {}

    public record Deposited(String accountId, long amount, String currency, Instant at) {}

    static final ProcessType<Deposit, Long, Deposited> ACCOUNTS = ProcessType.<Deposit, Long, Deposited>pure("account",
            0L, (cmd, balance) -> List.of(new Deposited("acc-42", cmd.amount(), "EUR", Instant.now())),
            (balance, e) -> balance + e.amount());

    @Param({"objects", "json"})
    public String events;

    Perpetua perpetua;
    ProcessRef<Deposit> one;
    List<ProcessRef<Deposit>> many;
    final Deposit deposit = new Deposit(100);

    @Setup(Level.Trial)
    public void setUp() {
        Perpetua.Builder builder = Perpetua.builder().store("memory:");
        if (events.equals("objects")) builder.keepObjectsInMemory();
        perpetua = builder.build();
        String run = Long.toString(System.nanoTime(), 36);
        one = perpetua.start(ACCOUNTS, "one-" + run);
        many = new ArrayList<>(PROCESSES);
        for (int i = 0; i < PROCESSES; i++) many.add(perpetua.start(ACCOUNTS, "many-" + run + "-" + i));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        perpetua.close();
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void oneCaller() throws InterruptedException {
        // the caller is a virtual thread, as an application's request handler would be
        Thread caller = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < CALLS; i++) one.call(deposit);
        });
        caller.join();
    }

    @Benchmark
    @OperationsPerInvocation(PROCESSES * PER_PROCESS)
    public void thousandProcesses() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(PROCESSES);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (ProcessRef<Deposit> ref : many) chain(ref, PER_PROCESS, done, failure);
        done.await();
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }

    private void chain(ProcessRef<Deposit> ref, int left, CountDownLatch done, AtomicReference<Throwable> failure) {
        ref.ask(deposit).whenComplete((balance, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
                done.countDown();
            } else if (left > 1) {
                chain(ref, left - 1, done, failure);
            } else {
                done.countDown();
            }
        });
    }
}
