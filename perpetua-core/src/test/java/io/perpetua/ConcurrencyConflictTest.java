package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Counter;
import io.perpetua.testing.Counters;
import io.perpetua.testing.Ids;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §3 rule 9: every append carries the expected sequence number; a stale writer gets a conflict
 * naming both numbers, catches up, and may retry by policy. Two runtimes share one store to make a
 * stale instance.
 */
class ConcurrencyConflictTest {

    private final Store store = Stores.open("memory:");
    private final Perpetua first = Perpetua.builder().store(store).build();
    private final Perpetua second = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        first.close();
        second.close();
        store.close();
    }

    @Test
    void a_stale_instance_fails_to_persist_with_a_conflict_naming_both_sequence_numbers() {
        String id = Ids.fresh("conflict");
        ProcessRef<Accumulator.Command> stale = first.start(Accumulator.type(), id);
        stale.call(add("a1"));
        ProcessRef<Accumulator.Command> other = second.start(Accumulator.type(), id);
        other.call(add("b2"));
        other.call(add("b3"));

        assertThatThrownBy(() -> stale.call(add("a-stale")))
                .isInstanceOfSatisfying(ConcurrencyConflictException.class, e -> {
                    assertThat(e.expectedSequenceNr()).isEqualTo(1);
                    assertThat(e.actualSequenceNr()).isEqualTo(3);
                    assertThat(e.persistenceId()).isEqualTo(id);
                })
                .hasMessageContaining("expected sequence number 1")
                .hasMessageContaining("at 3");

        assertThat(store.journal().read(id, 1, Long.MAX_VALUE, 100)).hasSize(3);
    }

    @Test
    void after_a_conflict_the_stale_instance_has_the_other_writers_events_and_goes_on() {
        String id = Ids.fresh("catch-up");
        ProcessRef<Accumulator.Command> stale = first.start(Accumulator.type(), id);
        stale.call(add("a1"));
        second.start(Accumulator.type(), id).call(add("b2"));
        assertThatThrownBy(() -> stale.call(add("a-stale"))).isInstanceOf(ConcurrencyConflictException.class);

        List<String> caughtUp = stale.call(get());
        List<String> next = stale.call(add("a3"));

        assertThat(caughtUp).containsExactly("a1", "b2");
        assertThat(next).containsExactly("a1", "b2", "a3");
        assertThat(store.journal().read(id, 1, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr)
                .containsExactly(1L, 2L, 3L);
    }

    @Test
    void with_conflict_retries_a_pure_form_command_is_decided_again_on_the_new_state_and_succeeds() {
        String id = Ids.fresh("retry");
        var retrying = Counters.type().withConflictRetries(1);
        ProcessRef<Counter.Command> stale = first.start(retrying, id);
        stale.call(new Counter.Increment(1));
        second.start(retrying, id).call(new Counter.Increment(10));

        Integer after = stale.call(new Counter.Increment(5));

        assertThat(after).isEqualTo(16);
        assertThat(store.journal().highestSequenceNr(id)).isEqualTo(3);
    }

    @Test
    void a_retried_command_is_decided_on_the_new_state_and_may_be_rejected_by_it() {
        String id = Ids.fresh("retry-reject");
        var retrying = Counters.type().withConflictRetries(1);
        ProcessRef<Counter.Command> stale = first.start(retrying, id);
        stale.call(new Counter.Increment(5));
        second.start(retrying, id).call(new Counter.Decrement(5));

        assertThatThrownBy(() -> stale.call(new Counter.Decrement(3))).isInstanceOf(Counter.Rejected.class);

        assertThat(store.journal().highestSequenceNr(id)).isEqualTo(2);
    }

    @Test
    void a_stale_instance_catches_up_even_when_the_other_writer_deleted_the_events_it_missed() {
        String id = Ids.fresh("catch-up-deleted");
        var type = Accumulator.type().withSnapshotEvery(3).withSnapshotRetention(1).withDeleteEventsOnSnapshot(true);
        ProcessRef<Accumulator.Command> stale = first.start(type, id);
        stale.call(add("v1"));
        ProcessRef<Accumulator.Command> other = second.start(type, id);
        for (int i = 2; i <= 10; i++) other.call(add("v" + i));
        assertThat(store.journal().read(id, 1, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr)
                .containsExactly(10L);

        assertThatThrownBy(() -> stale.call(add("stale"))).isInstanceOf(ConcurrencyConflictException.class);
        List<String> caughtUp = stale.call(get());

        assertThat(caughtUp).containsExactly("v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10");
    }
}
