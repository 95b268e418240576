package io.perpetua;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Store;
import io.perpetua.testing.Counter;
import io.perpetua.testing.Counters;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * DESIGN §3 rule 3 as a property: for any sequence of commands (some rejected), the state a live
 * process replied with last is the state a new runtime recovers, with or without snapshots.
 */
class LiveAndRecoveredStatePropertyTest {

    @Provide
    Arbitrary<List<Counter.Command>> commands() {
        Arbitrary<Counter.Command> one = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 20).map(Counter.Increment::new),
                Arbitraries.integers().between(0, 20).map(Counter.Decrement::new),
                Arbitraries.just(new Counter.Noop()));
        return one.list().ofMaxSize(40);
    }

    @Property(tries = 60)
    void the_recovered_state_equals_the_last_live_state(@ForAll("commands") List<Counter.Command> commands,
            @ForAll @IntRange(min = 0, max = 4) int snapshotEvery) {
        var type = Counters.type().withSnapshotEvery(snapshotEvery);
        String id = Ids.fresh("property");
        try (Store store = Stores.open("memory:")) {
            Integer live = 0;
            long written = 0;
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
                ProcessRef<Counter.Command> counter = perpetua.start(type, id);
                for (Counter.Command command : commands) {
                    try {
                        live = counter.call(command);
                        if (!(command instanceof Counter.Noop)) written++;
                    } catch (Counter.Rejected rejected) {
                        // rejected: nothing written, state unchanged
                    }
                }
            }

            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new JavaSerializer()).build()) {
                RecoveredState<Integer> recovered = perpetua.readState(type, id);
                Integer restarted = perpetua.start(type, id).call(new Counter.Noop());

                assertThat(recovered).isEqualTo(new RecoveredState<>(live, written));
                assertThat(restarted).isEqualTo(live);
            }
        }
    }
}
