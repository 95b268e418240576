package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §4: a reference is (type, persistence id); a message to it starts the process on demand. */
class SymbolicRefTest {

    private final Perpetua perpetua = Perpetua.open("memory:");

    @AfterEach
    void close() {
        perpetua.close();
    }

    /** The accumulator type, counting the behaviours made (one per incarnation). */
    private static ProcessType<Accumulator.Command, List<String>, Accumulator.Added> counting(AtomicInteger made) {
        ProcessType<Accumulator.Command, List<String>, Accumulator.Added> plain = Accumulator.type();
        return ProcessType.of("accumulator", () -> {
            made.incrementAndGet();
            return plain.newBehaviour();
        });
    }

    @Test
    void a_reference_starts_nothing_until_its_first_message() {
        AtomicInteger made = new AtomicInteger();
        ProcessRef<Accumulator.Command> ref = perpetua.ref(counting(made), Ids.fresh("lazy"));

        assertThat(ref.isAlive()).isFalse();
        assertThat(perpetua.liveProcesses()).isZero();
        assertThat(made).hasValue(0);
    }

    @Test
    void the_first_message_to_a_reference_starts_and_recovers_the_process() {
        String id = Ids.fresh("first");
        ProcessRef<Accumulator.Command> first = perpetua.start(Accumulator.type(), id);
        first.call(add("a"));
        first.stop();

        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type(), id);
        List<String> state = ref.call(get());

        assertThat(state).containsExactly("a");
        assertThat(ref.isAlive()).isTrue();
    }

    @Test
    void concurrent_first_messages_to_references_start_exactly_one_process() {
        AtomicInteger made = new AtomicInteger();
        ProcessType<Accumulator.Command, List<String>, Accumulator.Added> type = counting(made);
        String id = Ids.fresh("race");
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<List<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            String value = "v" + i;
            calls.add(Async.supply(() -> {
                Await.latch("the starting signal", go);
                return perpetua.ref(type, id).call(add(value));
            }));
        }
        go.countDown();
        for (var call : calls) Await.result(call);

        assertThat(made).hasValue(1);
        assertThat(perpetua.liveProcesses()).isEqualTo(1);
        List<String> state = perpetua.ref(type, id).call(get());
        assertThat(state).hasSize(32);
    }

    @Test
    void a_reference_starts_the_process_again_after_an_explicit_stop() {
        String id = Ids.fresh("restart-on-demand");
        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type(), id);
        ref.call(add("a"));

        ref.stop();
        assertThat(ref.isAlive()).isFalse();
        List<String> state = ref.call(add("b"));

        assertThat(state).containsExactly("a", "b");
    }

    @Test
    void a_handle_from_start_is_bound_to_its_incarnation_and_refuses_messages_after_it_stopped() {
        String id = Ids.fresh("incarnation");
        ProcessRef<Accumulator.Command> handle = perpetua.start(Accumulator.type(), id);
        ProcessRef<Accumulator.Command> ref = perpetua.ref(Accumulator.type(), id);
        handle.stop();

        ref.call(add("a"));

        assertThatThrownBy(() -> handle.call(get())).isInstanceOf(ProcessStoppedException.class).hasMessageContaining(id);
    }

    @Test
    void a_reference_to_a_process_running_as_another_type_fails_naming_both_types() {
        String id = Ids.fresh("typed");
        perpetua.start(Accumulator.type(), id);
        ProcessType<Accumulator.Command, List<String>, Accumulator.Added> other =
                ProcessType.of("other", () -> Accumulator.type().newBehaviour());

        assertThatThrownBy(() -> perpetua.ref(other, id).call(get()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("accumulator")
                .hasMessageContaining("other");
    }

    @Test
    void a_reference_refuses_messages_after_the_runtime_closed() {
        Perpetua closing = Perpetua.open("memory:");
        ProcessRef<Accumulator.Command> ref = closing.ref(Accumulator.type(), Ids.fresh("closed"));
        ref.call(add("a"));
        closing.close();

        assertThat(ref.isAlive()).isFalse();
        assertThatThrownBy(() -> ref.call(get())).isInstanceOf(ProcessStoppedException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> ref.cast(add("b"))).isInstanceOf(ProcessStoppedException.class);
    }

    @Test
    void an_invalid_persistence_id_is_rejected_when_the_reference_is_made() {
        assertThatThrownBy(() -> perpetua.ref(Accumulator.type(), "")).isInstanceOf(IllegalArgumentException.class);
    }
}
