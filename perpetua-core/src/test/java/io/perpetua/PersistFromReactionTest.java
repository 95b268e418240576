package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 4: a reaction to a persisted event may persist more; those take the next numbers. */
class PersistFromReactionTest {

    /** Reacts to every value that is not itself a reaction with "re:value". */
    private static final ProcessType<Accumulator.Command, List<String>, Accumulator.Added> ECHOING =
            Accumulator.reacting(v -> v.startsWith("re:") ? List.of() : List.of("re:" + v));

    @Test
    void events_persisted_from_a_reaction_take_the_next_sequence_numbers_in_order() {
        FaultyStore store = FaultyStore.overMemory();
        String id = Ids.fresh("reaction");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(ECHOING, id);

            List<String> afterOne = ref.call(add("a"));
            List<String> afterAll = ref.call(addAll("b", "c"));

            assertThat(afterOne).containsExactly("a", "re:a");
            assertThat(afterAll).containsExactly("a", "re:a", "b", "c", "re:b", "re:c");
            List<StoredEvent> journal = store.events(id);
            assertThat(journal).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(journal).extracting(SynchronousPersistTest::valueOf)
                    .containsExactly("a", "re:a", "b", "c", "re:b", "re:c");
        }
    }

    @Test
    void the_state_after_reactions_is_the_state_recovered_after_a_restart() {
        FaultyStore store = FaultyStore.overMemory();
        String id = Ids.fresh("reaction-restart");
        List<String> live;
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(ECHOING, id);
            ref.call(add("a"));
            live = ref.call(addAll("b", "c"));
        }

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(ECHOING, id);
            List<String> recovered = ref.call(get());
            assertThat(recovered).isEqualTo(live);
            List<String> next = ref.call(add("d"));
            assertThat(next).endsWith("d", "re:d");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).endsWith(7L, 8L);
        }
    }
}
