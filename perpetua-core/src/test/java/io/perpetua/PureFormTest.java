package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Counter;
import io.perpetua.testing.Counters;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pure form: decide/evolve functions run as a process; a call replies with the new state. */
class PureFormTest {

    private final FaultyStore store = FaultyStore.overMemory();
    private final Perpetua perpetua = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    @Test
    void a_call_replies_with_the_state_after_the_decided_events() {
        ProcessRef<Counter.Command> counter = perpetua.start(Counters.type(), Ids.fresh("counter"));

        Integer first = counter.call(new Counter.Increment(5));
        Integer second = counter.call(new Counter.Decrement(2));

        assertThat(first).isEqualTo(5);
        assertThat(second).isEqualTo(3);
    }

    @Test
    void a_rejection_thrown_by_decide_reaches_the_caller_and_nothing_is_written() {
        String id = Ids.fresh("rejection");
        ProcessRef<Counter.Command> counter = perpetua.start(Counters.type(), id);
        counter.call(new Counter.Increment(2));

        assertThatThrownBy(() -> counter.call(new Counter.Decrement(3)))
                .isInstanceOf(Counter.Rejected.class)
                .hasMessage("cannot take 3 from 2");

        assertThat(store.events(id)).hasSize(1);
        Integer state = counter.call(new Counter.Noop());
        assertThat(state).isEqualTo(2);
    }

    @Test
    void an_empty_decision_writes_nothing_and_replies_with_the_unchanged_state() {
        String id = Ids.fresh("noop");
        ProcessRef<Counter.Command> counter = perpetua.start(Counters.type(), id);
        counter.call(new Counter.Increment(7));
        int appendsBefore = store.appendCalls();

        Integer state = counter.call(new Counter.Noop());

        assertThat(state).isEqualTo(7);
        assertThat(store.appendCalls()).isEqualTo(appendsBefore);
        assertThat(store.events(id)).hasSize(1);
    }

    @Test
    void a_decision_of_several_events_is_written_atomically() {
        String id = Ids.fresh("several");
        var type = ProcessType.<Integer, Integer, Counter.Event>pure("batch-counter", 0,
                (n, count) -> java.util.stream.IntStream.range(0, n).mapToObj(i -> (Counter.Event) new Counter.Incremented(1))
                        .toList(),
                Counter::evolve);
        ProcessRef<Integer> counter = perpetua.start(type, id);

        Integer state = counter.call(3);

        assertThat(state).isEqualTo(3);
        assertThat(store.writesTo(id)).singleElement().satisfies(w -> assertThat(w.events()).hasSize(3));
    }

    @Test
    void a_cast_to_a_pure_form_process_persists_its_decision() {
        String id = Ids.fresh("cast");
        ProcessRef<Counter.Command> counter = perpetua.start(Counters.type(), id);

        counter.cast(new Counter.Increment(4));
        Integer state = counter.call(new Counter.Increment(1));

        assertThat(state).isEqualTo(5);
    }

    @Test
    void the_domain_functions_work_without_a_runtime() {
        List<Counter.Event> events = Counter.decide(new Counter.Increment(3), 0);
        Integer state = events.stream().reduce(0, Counter::evolve, (a, b) -> b);

        assertThat(state).isEqualTo(3);
        assertThatThrownBy(() -> Counter.decide(new Counter.Decrement(1), 0)).isInstanceOf(Counter.Rejected.class);
    }
}
