package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 1: a process handles one message to completion before the next. */
class OneMessageAtATimeTest {

    private final FaultyStore store = FaultyStore.overMemory();
    private final Perpetua perpetua = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    @Test
    void messages_sent_while_a_handler_waits_in_persist_are_handled_after_it_in_arrival_order() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("mailbox"));
        List<String> entered = new CopyOnWriteArrayList<>();
        FaultyStore.Gate gate = store.blockNextAppend();

        CompletableFuture<List<String>> first = Async.supply(() -> ref.call(enterThenAdd(entered, "first")));
        gate.awaitEntered();
        ref.cast(enterThenAdd(entered, "second"));
        ref.cast(enterThenAdd(entered, "third"));
        Thread caller = Thread.ofPlatform().start(() -> ref.call(enterThenAdd(entered, "fourth")));
        Await.parkedIn(caller, "io.perpetua.internal.ProcessInstance", "call");

        assertThat(entered).as("handlers entered while the first waits in persist").containsExactly("first");
        gate.release();

        assertThat(Await.result(first)).containsExactly("first");
        List<String> state = ref.call(get());
        assertThat(state).containsExactly("first", "second", "third", "fourth");
        assertThat(entered).containsExactly("first", "second", "third", "fourth");
    }

    @Test
    void a_handler_never_runs_concurrently_with_itself_under_many_concurrent_callers() throws Exception {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("exclusive"));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        int callers = 16;
        int callsEach = 50;
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < callers; c++) {
                int caller = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < callsEach; i++) {
                        String value = caller + ":" + i;
                        ref.call(run(ctx -> {
                            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.yield();
                            ctx.persist(new Accumulator.Added(value));
                            inside.decrementAndGet();
                        }));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) Await.result(f);
        }

        assertThat(mostInside.get()).isEqualTo(1);
        List<String> state = ref.call(get());
        assertThat(state).hasSize(callers * callsEach).doesNotHaveDuplicates();
    }

    @Test
    void messages_from_one_sender_are_handled_in_the_order_sent() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("fifo"));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sent.add("m" + i);
            ref.cast(add("m" + i));
        }

        List<String> state = ref.call(get());

        assertThat(state).containsExactlyElementsOf(sent);
    }

    private static Accumulator.Run enterThenAdd(List<String> entered, String value) {
        return run(ctx -> {
            entered.add(value);
            ctx.persist(new Accumulator.Added(value));
            ctx.reply(ctx.state());
        });
    }
}
