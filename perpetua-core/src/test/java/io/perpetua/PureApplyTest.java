package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Store;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Counter;
import io.perpetua.testing.Counters;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 3: the same apply serves live handling and recovery, so both give the same state. */
class PureApplyTest {

    @Test
    void a_restarted_runtime_recovers_the_state_the_live_process_had() {
        String storeUri = Ids.freshMemoryStore();
        String id = Ids.fresh("restart");
        List<String> live;
        try (Perpetua first = Perpetua.open(storeUri)) {
            ProcessRef<Accumulator.Command> ref = first.start(Accumulator.type(), id);
            ref.call(add("a"));
            ref.call(addAll("b", "c"));
            live = ref.call(add("d"));
        }

        try (Perpetua second = Perpetua.open(storeUri)) {
            ProcessRef<Accumulator.Command> ref = second.start(Accumulator.type(), id);
            List<String> recovered = ref.call(get());
            assertThat(recovered).isEqualTo(live).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void a_store_shared_by_two_runtimes_one_after_the_other_recovers_serialized_events() {
        String id = Ids.fresh("serialized");
        try (Store store = io.perpetua.Stores.open("memory:")) {
            Integer live;
            try (Perpetua first = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
                ProcessRef<Counter.Command> ref = first.start(Counters.type(), id);
                ref.call(new Counter.Increment(5));
                ref.call(new Counter.Decrement(2));
                live = ref.call(new Counter.Increment(10));
            }
            try (Perpetua second = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
                assertThat(second.readState(Counters.type(), id)).isEqualTo(new RecoveredState<>(live, 3));
                ProcessRef<Counter.Command> ref = second.start(Counters.type(), id);
                Integer recovered = ref.call(new Counter.Noop());
                assertThat(recovered).isEqualTo(live).isEqualTo(13);
            }
        }
    }

    @Test
    void read_state_of_a_running_process_equals_its_live_state() {
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            String id = Ids.fresh("read-state");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("x"));
            List<String> live = ref.call(addAll("y", "z"));

            RecoveredState<List<String>> read = perpetua.readState(Accumulator.type(), id);

            assertThat(read.state()).isEqualTo(live);
            assertThat(read.sequenceNr()).isEqualTo(3);
        }
    }
}
