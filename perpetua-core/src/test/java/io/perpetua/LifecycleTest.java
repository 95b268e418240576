package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: one live instance per id, starting on demand, calls with timeouts, restarts after failures. */
class LifecycleTest {

    private final FaultyStore store = FaultyStore.overMemory();
    private final Perpetua perpetua = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    @Test
    void concurrent_starts_of_one_id_give_one_live_instance() {
        String id = Ids.fresh("registry");
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<ProcessRef<Accumulator.Command>>> starts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            starts.add(Async.supply(() -> {
                Await.latch("the starting signal", go);
                return perpetua.start(Accumulator.type(), id);
            }));
        }
        go.countDown();

        ProcessRef<Accumulator.Command> first = Await.result(starts.getFirst());
        for (var start : starts) assertThat(Await.result(start)).isSameAs(first);
        assertThat(perpetua.liveProcesses()).isEqualTo(1);
    }

    @Test
    void starting_a_running_process_returns_the_running_instance() {
        String id = Ids.fresh("running");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.call(add("a"));

        ProcessRef<Accumulator.Command> again = perpetua.start(Accumulator.type(), id);

        assertThat(again).isSameAs(ref);
    }

    @Test
    void a_call_without_a_reply_in_time_fails_with_call_timeout_and_is_still_handled_later() {
        String id = Ids.fresh("timeout");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        FaultyStore.Gate gate = store.blockNextAppend();
        CompletableFuture<Object> blocked = Async.supply(() -> ref.call(add("slow")));
        gate.awaitEntered();

        assertThatThrownBy(() -> ref.call(add("late"), Duration.ofMillis(20)))
                .isInstanceOf(CallTimeoutException.class)
                .hasMessageContaining(id);
        gate.release();

        Await.result(blocked);
        List<String> state = ref.call(get());
        assertThat(state).containsExactly("slow", "late");
    }

    @Test
    void a_process_restarting_after_a_failed_persist_retries_while_the_store_cannot_be_read() {
        String id = Ids.fresh("restart-retries");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.call(add("a"));
        store.failNextAppendAfterWriting();
        store.failNextReads(2);

        assertThatThrownBy(() -> ref.call(add("landed"))).isInstanceOf(PersistFailedException.class);

        List<String> state = ref.call(get());
        assertThat(state).containsExactly("a", "landed");
        assertThat(ref.isAlive()).isTrue();
    }

    @Test
    void a_store_failure_during_start_fails_with_recovery_failed_naming_the_id() {
        String id = Ids.fresh("store-down");
        store.failNextReads(1);

        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), id))
                .isInstanceOf(RecoveryFailedException.class)
                .hasMessageContaining(id)
                .hasMessageContaining("injected read failure");
        List<String> state = perpetua.start(Accumulator.type(), id).call(get());
        assertThat(state).isEmpty();
    }

    @Test
    void a_store_failure_in_read_state_fails_with_recovery_failed_naming_the_id() {
        String id = Ids.fresh("read-state-store-down");
        store.failNextReads(1);

        assertThatThrownBy(() -> perpetua.readState(Accumulator.type(), id))
                .isInstanceOf(RecoveryFailedException.class)
                .hasMessageContaining(id);
    }

    @Test
    void stop_handles_the_messages_already_in_the_mailbox_first() {
        String id = Ids.fresh("stop-drains");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        for (int i = 0; i < 50; i++) ref.cast(add("v" + i));

        ref.stop();

        assertThat(ref.isAlive()).isFalse();
        assertThat(store.events(id)).hasSize(50);
    }

    @Test
    void messages_queued_behind_a_handler_that_stops_the_process_fail_with_process_stopped() {
        String id = Ids.fresh("self-stop-queued");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        FaultyStore.Gate gate = store.blockNextAppend();
        CompletableFuture<Object> stopping = Async.supply(() -> ref.call(Accumulator.run(ctx -> {
            ctx.persist(new Accumulator.Added("last"));
            ctx.stop();
            ctx.reply("stopping");
        })));
        gate.awaitEntered();
        Thread[] caller = new Thread[1];
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Object> queued = Async.supply(() -> {
            caller[0] = Thread.currentThread();
            started.countDown();
            return ref.call(add("too late"));
        });
        Await.latch("the queued caller", started);
        Await.parkedIn(caller[0], "io.perpetua.internal.ProcessInstance", "call");
        gate.release();

        assertThat(Await.result(stopping)).isEqualTo("stopping");
        assertThatThrownBy(() -> Await.result(queued))
                .isInstanceOf(ProcessStoppedException.class)
                .hasMessageContaining("stopped itself");
        assertThat(store.events(id)).hasSize(1);
    }
}
