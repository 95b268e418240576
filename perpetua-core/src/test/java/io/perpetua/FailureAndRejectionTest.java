package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.addAll;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.StoredEvent;
import io.perpetua.testing.Accumulator;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import io.perpetua.testing.JavaSerializer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 6: a throwing handler, a rejected persist and a failed persist each fail explicitly. */
class FailureAndRejectionTest {

    private final FaultyStore store = FaultyStore.overMemory();

    @AfterEach
    void close() {
        store.close();
    }

    private Perpetua runtime() {
        return Perpetua.builder().store(store).build();
    }

    @Test
    void a_handler_that_throws_fails_the_call_with_that_exception() {
        try (Perpetua perpetua = runtime()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("throws"));
            IllegalStateException boom = new IllegalStateException("boom");

            assertThatThrownBy(() -> ref.call(run(ctx -> {
                throw boom;
            }))).isSameAs(boom);
            assertThat(ref.isAlive()).isTrue();
        }
    }

    @Test
    void a_handler_that_throws_after_persisting_leaves_the_state_as_of_its_last_persisted_event() {
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("throws-after");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("before"));

            assertThatThrownBy(() -> ref.call(run(ctx -> {
                ctx.persist(new Accumulator.Added("kept"));
                throw new IllegalStateException("after persisting");
            }))).hasMessage("after persisting");

            List<String> state = ref.call(get());
            assertThat(state).containsExactly("before", "kept");
            assertThat(store.events(id)).hasSize(2);
        }
    }

    @Test
    void a_persist_rejected_by_the_store_throws_naming_the_reason_and_writes_nothing() {
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("store-rejects");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            store.rejectNextAppend("event too large for the test");

            assertThatThrownBy(() -> ref.call(add("refused")))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining("event too large for the test")
                    .hasMessageContaining(id);

            assertThat(store.events(id)).hasSize(1);
            List<String> next = ref.call(add("b"));
            assertThat(next).containsExactly("a", "b");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L);
        }
    }

    @Test
    void a_persist_rejected_by_the_serializer_throws_naming_the_reason_and_the_process_goes_on() {
        JavaSerializer serializer = new JavaSerializer()
                .failingToWrite(v -> v instanceof Accumulator.Added a && a.value().equals("unserializable"));
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            String id = Ids.fresh("serializer-rejects");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));

            assertThatThrownBy(() -> ref.call(add("unserializable")))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining("cannot serialize")
                    .hasMessageContaining(Accumulator.Added.class.getName());
            assertThatThrownBy(() -> ref.call(addAll("b", "unserializable", "c")))
                    .isInstanceOf(PersistRejectedException.class);

            assertThat(store.events(id)).hasSize(1);
            List<String> next = ref.call(add("d"));
            assertThat(next).containsExactly("a", "d");
        }
    }

    @Test
    void a_failed_persist_that_wrote_nothing_fails_the_call_and_the_process_continues_from_the_journal() {
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("failed-unwritten");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            store.failNextAppend();

            assertThatThrownBy(() -> ref.call(add("lost")))
                    .isInstanceOf(PersistFailedException.class)
                    .hasMessageContaining(id);

            List<String> state = ref.call(get());
            assertThat(state).containsExactly("a").isEqualTo(journalValues(id));
            List<String> next = ref.call(add("b"));
            assertThat(next).containsExactly("a", "b");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L);
        }
    }

    @Test
    void a_failed_persist_that_did_write_fails_the_call_and_the_restarted_process_has_the_event() {
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("failed-written");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            store.failNextAppendAfterWriting();

            assertThatThrownBy(() -> ref.call(add("landed"))).isInstanceOf(PersistFailedException.class);

            List<String> state = ref.call(get());
            assertThat(state).containsExactly("a", "landed").isEqualTo(journalValues(id));
            List<String> next = ref.call(add("b"));
            assertThat(next).containsExactly("a", "landed", "b");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void a_failed_persist_restarts_the_process_from_the_journal_even_if_the_handler_catches_it() {
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("caught");
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            store.failNextAppendAfterWriting();

            String reply = ref.call(run(ctx -> {
                try {
                    ctx.persist(new Accumulator.Added("landed"));
                } catch (PersistFailedException ignored) {
                    // the runtime restarts the process whatever the handler does
                }
                ctx.reply("swallowed");
            }));

            assertThat(reply).isEqualTo("swallowed");

            List<String> state = ref.call(get());
            assertThat(state).containsExactly("landed");
        }
    }

    private List<String> journalValues(String id) {
        return store.events(id).stream().map(SynchronousPersistTest::valueOf).toList();
    }

    @Test
    void a_tagger_that_throws_rejects_the_persist_and_writes_nothing() {
        var type = Accumulator.type().withTags(e -> {
            if (e.value().equals("untaggable")) throw new IllegalStateException("no tag for this one");
            return "fine";
        });
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("tagger");
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);

            assertThatThrownBy(() -> ref.call(add("untaggable")))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining("tagger")
                    .hasMessageContaining("no tag for this one");

            assertThat(store.events(id)).isEmpty();
            List<String> state = ref.call(add("ok"));
            assertThat(state).containsExactly("ok");
        }
    }

    @Test
    void a_blank_tag_rejects_the_persist_and_writes_nothing() {
        var type = Accumulator.type().withTags(e -> " ");
        try (Perpetua perpetua = runtime()) {
            String id = Ids.fresh("blank-tag");
            ProcessRef<Accumulator.Command> ref = perpetua.start(type, id);

            assertThatThrownBy(() -> ref.call(add("x")))
                    .isInstanceOf(PersistRejectedException.class)
                    .hasMessageContaining("tag must not be blank");

            assertThat(store.events(id)).isEmpty();
        }
    }
}
