package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
import static io.perpetua.testing.Accumulator.get;
import static io.perpetua.testing.Accumulator.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.testing.Accumulator;
import io.perpetua.testing.FaultyStore;
import io.perpetua.testing.Ids;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DESIGN §3 rule 10: bad input gets a clear error and loses nothing. */
class BadInputTest {

    private final FaultyStore store = FaultyStore.overMemory();
    private final Perpetua perpetua = Perpetua.builder().store(store).build();

    @AfterEach
    void close() {
        perpetua.close();
        store.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t \n"})
    void an_empty_or_blank_persistence_id_is_refused_naming_it(String id) {
        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("persistence id")
                .hasMessageContaining("'" + id + "'");
    }

    @Test
    void a_null_persistence_id_is_refused() {
        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("persistence id must not be null");
    }

    @Test
    void a_persistence_id_with_a_control_character_is_refused_naming_where() {
        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), "order\u0000-7"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control character at index 5")
                .hasMessageContaining("order?-7");
    }

    @Test
    void a_persistence_id_longer_than_the_limit_is_refused_naming_the_limit() {
        String id = "x".repeat(256);
        assertThatThrownBy(() -> perpetua.start(Accumulator.type(), id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256 characters")
                .hasMessageContaining("255");
    }

    @Test
    void persisting_a_null_event_is_rejected_and_writes_nothing() {
        String id = Ids.fresh("null-event");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);

        assertThatThrownBy(() -> ref.call(run(ctx -> ctx.persist(null))))
                .isInstanceOf(PersistRejectedException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> ref.call(run(ctx -> ctx.persistAll(Arrays.asList(
                new Accumulator.Added("a"), null)))))
                .isInstanceOf(PersistRejectedException.class)
                .hasMessageContaining("event 2 of 2 is null");

        assertThat(store.events(id)).isEmpty();
        List<String> state = ref.call(add("b"));
        assertThat(state).containsExactly("b");
    }

    @Test
    void an_unknown_store_uri_is_refused_listing_the_available_schemes() {
        assertThatThrownBy(() -> Perpetua.open("nosuch:x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nosuch:")
                .hasMessageContaining("available: memory:");
    }

    @Test
    void a_store_uri_without_a_scheme_is_refused() {
        assertThatThrownBy(() -> Perpetua.open("just-a-name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no scheme");
    }

    @Test
    void a_call_to_a_stopped_process_fails_with_process_stopped() {
        String id = Ids.fresh("stopped");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.stop();

        assertThat(ref.isAlive()).isFalse();
        assertThatThrownBy(() -> ref.call(get()))
                .isInstanceOf(ProcessStoppedException.class)
                .hasMessageContaining(id);
        assertThatThrownBy(() -> ref.cast(add("x"))).isInstanceOf(ProcessStoppedException.class);
    }

    @Test
    void a_process_that_stopped_itself_refuses_later_calls() {
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("self-stop"));
        ref.call(run(ctx -> ctx.stop()));

        assertThatThrownBy(() -> ref.call(get())).isInstanceOf(ProcessStoppedException.class);
    }

    @Test
    void starting_a_stopped_process_again_recovers_it() {
        String id = Ids.fresh("revive");
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.call(add("a"));
        ref.stop();

        List<String> state = perpetua.start(Accumulator.type(), id).call(get());

        assertThat(state).containsExactly("a");
    }

    @Test
    void a_process_calling_itself_fails_with_illegal_state_instead_of_waiting_forever() {
        AtomicReference<ProcessRef<Accumulator.Command>> self = new AtomicReference<>();
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), Ids.fresh("self-call"));
        self.set(ref);

        assertThatThrownBy(() -> ref.call(run(ctx -> self.get().call(get()))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("called itself");
        assertThat(ref.isAlive()).isTrue();
    }

    @Test
    void a_context_used_off_its_process_thread_fails_with_illegal_state_and_writes_nothing() {
        String id = Ids.fresh("leaked-context");
        AtomicReference<Context<List<String>, Accumulator.Added>> leaked = new AtomicReference<>();
        ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
        ref.call(run(leaked::set));

        Context<List<String>, Accumulator.Added> ctx = leaked.get();
        assertThatThrownBy(() -> ctx.persist(new Accumulator.Added("x")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("own thread");
        assertThatThrownBy(() -> ctx.persistAll(List.of(new Accumulator.Added("x"))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ctx.persist(null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ctx.reply("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ctx::saveSnapshot).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ctx::stop).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ctx.sendAfter(java.time.Duration.ofMillis(1), "x"))
                .isInstanceOf(IllegalStateException.class);

        assertThat(store.events(id)).isEmpty();
        assertThat(ref.isAlive()).isTrue();
    }

    @Test
    void a_type_mismatch_for_a_running_id_is_refused() {
        String id = Ids.fresh("two-types");
        perpetua.start(Accumulator.type(), id);

        assertThatThrownBy(() -> perpetua.start(io.perpetua.testing.Counters.type(), id))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("accumulator")
                .hasMessageContaining("counter");
    }
}
