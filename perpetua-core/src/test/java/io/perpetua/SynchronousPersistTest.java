package io.perpetua;

import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.Payload;
import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.Async;
import io.perpetua.testing.Await;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 2: persist returns once durable and applied; order is kept; persistAll is atomic. */
class SynchronousPersistTest {

    private final FaultyStore store = FaultyStore.overMemory();
    private final Perpetua perpetua = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    /** What a handler saw right after persist returned. */
    record AfterPersist(int completedAppends, List<String> state, long lastSequenceNr) {}

    @Test
    void persist_returns_only_after_the_store_acknowledged_and_the_state_includes_the_event() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("sync"));
        FaultyStore.Gate gate = store.blockNextAppend();

        CompletableFuture<AfterPersist> call = Async.supply(() -> ref.call(run(ctx -> {
            ctx.persist(new Accumulator.Added("x"));
            ctx.reply(new AfterPersist(store.completedAppends(), ctx.state(), ctx.lastSequenceNr()));
        })));
        gate.awaitEntered();
        assertThat(call).as("persist must not return while the store has not acknowledged").isNotDone();
        gate.release();

        AfterPersist seen = Await.result(call);
        assertThat(seen.completedAppends()).isEqualTo(1);
        assertThat(seen.state()).containsExactly("x");
        assertThat(seen.lastSequenceNr()).isEqualTo(1);
    }

    @Test
    void events_of_one_process_are_appended_in_the_order_persisted() {
        String id = Ids.fresh("order");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        List<String> values = IntStream.rangeClosed(1, 20).mapToObj(i -> "e" + i).toList();

        ref.call(run(ctx -> {
            for (String v : values.subList(0, 10)) ctx.persist(new Accumulator.Added(v));
        }));
        for (String v : values.subList(10, 20)) ref.call(Accumulator.add(v));

        List<StoredEvent> journal = store.events(id);
        assertThat(journal).extracting(StoredEvent::sequenceNr)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> (long) i).toList());
        assertThat(journal).extracting(SynchronousPersistTest::valueOf).containsExactlyElementsOf(values);
    }

    @Test
    void persist_all_writes_its_events_in_one_atomic_write_with_contiguous_sequence_numbers() {
        String id = Ids.fresh("all");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.call(Accumulator.add("before"));

        List<String> state = ref.call(addAll("a", "b", "c"));

        assertThat(state).containsExactly("before", "a", "b", "c");
        List<AtomicWrite> writes = store.writesTo(id);
        assertThat(writes).hasSize(2);
        assertThat(writes.get(1).events()).hasSize(3);
        List<StoredEvent> journal = store.events(id);
        assertThat(journal).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L, 4L);
        assertThat(journal.subList(1, 4)).extracting(SynchronousPersistTest::valueOf).containsExactly("a", "b", "c");
    }

    @Test
    void a_rejected_persist_all_writes_none_of_its_events() {
        String id = Ids.fresh("atomic");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        store.rejectNextAppend("refused by the test");

        assertThatThrownBy(() -> ref.call(addAll("a", "b", "c"))).isInstanceOf(PersistRejectedException.class);

        assertThat(store.events(id)).isEmpty();
        assertThat(store.delegate().journal().highestSequenceNr(id)).isZero();
        List<String> state = ref.call(get());
        assertThat(state).isEmpty();
        ref.call(addAll("d", "e", "f"));
        assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L);
    }

    static String valueOf(StoredEvent e) {
        return ((Accumulator.Added) ((Payload.Reference) e.payload()).value()).value();
    }
}
