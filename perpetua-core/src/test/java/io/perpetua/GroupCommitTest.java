package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §5, group commit: writes that wait while the store writes are handed to it as one batch,
 * and each still gets its own result. A blocked first append makes the others wait; each process
 * thread is seen parked on its queued write before the store is released, so the batch is certain.
 */
class GroupCommitTest {

    private final FaultyStore store = FaultyStore.overMemory();

    @AfterEach
    void close() {
        store.close();
    }

    /** A call that records the process thread, then persists {@code value} and replies with the state. */
    private static Accumulator.Run recordThreadThenAdd(List<Thread> threads, String value) {
        return run(ctx -> {
            threads.add(Thread.currentThread());
            ctx.persist(new Accumulator.Added(value));
            ctx.reply(ctx.state());
        });
    }

    @Test
    void writes_that_wait_while_the_store_is_busy_reach_it_as_one_batch() {
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            List<ProcessRef<Accumulator.Command>> refs = new ArrayList<>();
            for (int i = 0; i < 200; i++) refs.add(perpetua.start(Accumulator.type(), Ids.fresh("group")));
            FaultyStore.Gate gate = store.blockNextAppend();
            CompletableFuture<Object> firstCall = Async.supply(() -> refs.getFirst().call(add("first")));
            gate.awaitEntered();

            List<Thread> waiting = new CopyOnWriteArrayList<>();
            List<CompletableFuture<List<String>>> calls = new ArrayList<>();
            for (var ref : refs.subList(1, 200)) {
                calls.add(Async.supply(() -> ref.call(recordThreadThenAdd(waiting, ref.persistenceId()))));
            }
            Await.until("199 processes are persisting", () -> waiting.size() == 199);
            for (Thread t : waiting) Await.waitingForJournalWriter(t);
            gate.release();

            Await.result(firstCall);
            for (int i = 0; i < calls.size(); i++) {
                assertThat(Await.result(calls.get(i))).containsExactly(refs.get(i + 1).persistenceId());
            }
            assertThat(store.batchSizes()).containsExactly(1, 199);
            for (var ref : refs) assertThat(store.events(ref.persistenceId())).hasSize(1);
        }
    }

    @Test
    void a_conflict_in_a_batch_fails_only_that_write_and_the_others_in_the_batch_succeed() {
        try (Perpetua perpetua = Perpetua.builder().store(store).build();
                Perpetua otherNode = Perpetua.builder().store(store).build()) {
            String staleId = Ids.fresh("stale");
            ProcessRef<Accumulator.Command> stale = perpetua.start(Accumulator.type(), staleId);
            otherNode.start(Accumulator.type(), staleId).call(add("from the other node"));
            List<ProcessRef<Accumulator.Command>> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) others.add(perpetua.start(Accumulator.type(), Ids.fresh("batch-mate")));
            ProcessRef<Accumulator.Command> blocker = perpetua.start(Accumulator.type(), Ids.fresh("blocker"));
            store.clearRecords();

            FaultyStore.Gate gate = store.blockNextAppend();
            CompletableFuture<Object> blocked = Async.supply(() -> blocker.call(add("first")));
            gate.awaitEntered();
            List<Thread> waiting = new CopyOnWriteArrayList<>();
            CompletableFuture<List<String>> staleCall =
                    Async.supply(() -> stale.call(recordThreadThenAdd(waiting, "stale")));
            List<CompletableFuture<List<String>>> otherCalls = new ArrayList<>();
            for (var ref : others) {
                otherCalls.add(Async.supply(() -> ref.call(recordThreadThenAdd(waiting, "mate"))));
            }
            Await.until("21 processes are persisting", () -> waiting.size() == 21);
            for (Thread t : waiting) Await.waitingForJournalWriter(t);
            gate.release();

            Await.result(blocked);
            assertThatThrownBy(() -> Await.result(staleCall)).isInstanceOf(ConcurrencyConflictException.class);
            for (var call : otherCalls) assertThat(Await.result(call)).containsExactly("mate");
            assertThat(store.batches()).hasSize(2);
            assertThat(store.batches().get(1)).hasSize(21).contains(staleId);
            assertThat(store.events(staleId)).hasSize(1);
        }
    }

    /** Starts {@code n} processes, blocks the store on a first write, and queues one write from each. */
    private List<CompletableFuture<List<String>>> queueWritesBehindABlockedOne(Perpetua perpetua, int n,
            Runnable whileBlocked) {
        ProcessRef<Accumulator.Command> blocker = perpetua.start(Accumulator.type(), Ids.fresh("blocker"));
        List<ProcessRef<Accumulator.Command>> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) refs.add(perpetua.start(Accumulator.type(), Ids.fresh("queued")));
        FaultyStore.Gate gate = store.blockNextAppend();
        CompletableFuture<Object> blocked = Async.supply(() -> blocker.call(add("first")));
        gate.awaitEntered();
        List<Thread> waiting = new CopyOnWriteArrayList<>();
        List<CompletableFuture<List<String>>> calls = new ArrayList<>();
        for (var ref : refs) calls.add(Async.supply(() -> ref.call(recordThreadThenAdd(waiting, ref.persistenceId()))));
        Await.until(n + " processes are persisting", () -> waiting.size() == n);
        for (Thread t : waiting) Await.waitingForJournalWriter(t);
        whileBlocked.run();
        gate.release();
        Await.result(blocked);
        return calls;
    }

    @Test
    void a_batch_holds_at_most_the_configured_number_of_writes() {
        try (Perpetua perpetua = Perpetua.builder().store(store).maxWriteBatch(10).build()) {
            List<CompletableFuture<List<String>>> calls = queueWritesBehindABlockedOne(perpetua, 30, () -> {});

            for (var call : calls) Await.result(call);
            assertThat(store.batchSizes()).containsExactly(1, 10, 10, 10);
        }
    }

    @Test
    void when_the_store_fails_a_batch_every_write_in_it_fails_and_each_process_restarts_from_the_journal() {
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            List<CompletableFuture<List<String>>> calls =
                    queueWritesBehindABlockedOne(perpetua, 10, store::failNextAppendAfterWriting);

            for (var call : calls) {
                assertThatThrownBy(() -> Await.result(call)).isInstanceOf(PersistFailedException.class);
            }
            assertThat(store.batchSizes()).containsExactly(1, 10);
            for (ProcessRef<Accumulator.Command> ref : startedQueued(perpetua)) {
                List<String> state = ref.call(Accumulator.get());
                assertThat(state).as("state of %s after its restart", ref.persistenceId())
                        .containsExactly(ref.persistenceId());
            }
        }
    }

    private List<ProcessRef<Accumulator.Command>> startedQueued(Perpetua perpetua) {
        return store.batches().get(1).stream().map(id -> perpetua.start(Accumulator.type(), id)).toList();
    }
}
