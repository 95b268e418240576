package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Store;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Closing a runtime: in-flight persists finish, queued messages fail, nothing acknowledged is lost. */
class CloseTest {

    @Test
    void close_waits_for_a_persist_in_flight_and_its_event_is_in_the_journal_afterwards() {
        FaultyStore store = FaultyStore.overMemory();
        String id = Ids.fresh("in-flight");
        Perpetua perpetua = Perpetua.builder().store(store).build();
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        FaultyStore.Gate gate = store.blockNextAppend();
        CompletableFuture<List<String>> inFlight = Async.supply(() -> ref.call(add("in flight")));
        gate.awaitEntered();

        Thread closer = Thread.ofPlatform().start(perpetua::close);
        Await.parkedIn(closer, "io.perpetua.internal.ProcessInstance", "awaitTermination");
        assertThat(closer.isAlive()).as("close waits for the persist in flight").isTrue();
        gate.release();

        assertThat(Await.result(inFlight)).containsExactly("in flight");
        Await.until("close returns", () -> !closer.isAlive());
        assertThat(store.events(id)).hasSize(1);
        store.close();
    }

    @Test
    void messages_still_queued_at_close_fail_with_process_stopped() {
        FaultyStore store = FaultyStore.overMemory();
        Perpetua perpetua = Perpetua.builder().store(store).build();
        String id = Ids.fresh("queued");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        FaultyStore.Gate gate = store.blockNextAppend();
        CompletableFuture<List<String>> inFlight = Async.supply(() -> ref.call(add("in flight")));
        gate.awaitEntered();
        List<CompletableFuture<List<String>>> queued = new ArrayList<>();
        List<Thread> callers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            String value = "queued " + i;
            queued.add(Async.supply(() -> {
                callers.add(Thread.currentThread());
                return ref.call(add(value));
            }));
        }
        Await.until("three callers are started", () -> callers.size() == 3);
        for (Thread t : callers) Await.parkedIn(t, "io.perpetua.internal.ProcessInstance", "call");

        Thread closer = Thread.ofPlatform().start(perpetua::close);
        Await.parkedIn(closer, "io.perpetua.internal.ProcessInstance", "awaitTermination");
        gate.release();

        Await.result(inFlight);
        for (var call : queued) {
            assertThatThrownBy(() -> Await.result(call))
                    .isInstanceOf(ProcessStoppedException.class)
                    .hasMessageContaining(id)
                    .hasMessageContaining("closed");
        }
        Await.until("close returns", () -> !closer.isAlive());
        assertThat(store.events(id)).hasSize(1);
        store.close();
    }

    @Test
    void start_after_close_fails_with_illegal_state() {
        Perpetua perpetua = Perpetua.open("memory:");
        perpetua.close();

        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), Ids.fresh("late")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> perpetua.subscribe(e -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_process_reference_kept_after_close_refuses_calls() {
        Perpetua perpetua = Perpetua.open("memory:");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("kept-ref"));
        perpetua.close();

        assertThat(ref.isAlive()).isFalse();
        assertThatThrownBy(() -> ref.call(get())).isInstanceOf(ProcessStoppedException.class);
    }

    @Test
    void close_is_idempotent() {
        Perpetua perpetua = Perpetua.open("memory:");
        perpetua.close();

        assertThatCode(perpetua::close).doesNotThrowAnyException();
    }

    @Test
    void every_acknowledged_event_is_in_the_store_after_closing_under_load() {
        String storeUri = Ids.freshMemoryStore();
        Perpetua perpetua = Perpetua.open(storeUri);
        int processes = 50;
        Map<String, List<String>> acknowledged = new ConcurrentHashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CountDownLatch warmedUp = new CountDownLatch(processes);
        List<Thread> writers = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            String id = Ids.fresh("load");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            List<String> acked = new CopyOnWriteArrayList<>();
            acknowledged.put(id, acked);
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; ; i++) {
                    try {
                        ref.call(add("v" + i));
                        acked.add("v" + i);
                        if (i == 5) warmedUp.countDown();
                    } catch (RuntimeException e) {
                        failures.add(e);
                        if (i <= 5) warmedUp.countDown();
                        return;
                    }
                }
            }));
        }
        Await.latch("every writer to be persisting", warmedUp);

        perpetua.close();
        for (Thread t : writers) Await.until("writer ends", () -> !t.isAlive());

        assertThat(failures).hasSize(processes).allSatisfy(e -> assertThat(e).isInstanceOf(ProcessStoppedException.class));
        try (Store store = Stores.open(storeUri)) {
            acknowledged.forEach((id, acked) -> {
                List<String> journal = store.journal().read(id, 1, Long.MAX_VALUE, Integer.MAX_VALUE).stream()
                        .map(SynchronousPersistTest::valueOf).toList();
                assertThat(journal).as("journal of %s", id).containsExactlyElementsOf(acked);
            });
        }
    }
}
