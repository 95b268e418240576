package io.perpetua;

import static io.perpetua.testing.Accumulator.add;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DESIGN §3 rule 7, poison events: fail naming the id and sequence number, or skip into a dead letter. */
class PoisonEventTest {

    private final FaultyStore store = FaultyStore.overMemory();

    /** The same accumulator, except that its apply now throws for "bad" (say, a new version's bug). */
    private static final ProcessType<Accumulator.Command, List<String>, Accumulator.Added> REJECTS_BAD =
            Accumulator.poisonedBy("bad"::equals);

    @AfterEach
    void close() {
        store.close();
    }

    /** Writes "ok", "bad", "ok2" with a behaviour that accepts all three. */
    private String writeWithAPoisonAtTwo() {
        String id = Ids.fresh("poison");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("ok"));
            ref.call(add("bad"));
            ref.call(add("ok2"));
        }
        return id;
    }

    @Test
    void an_event_whose_apply_throws_fails_recovery_naming_the_id_and_sequence_number() {
        String id = writeWithAPoisonAtTwo();

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThatThrownBy(() -> perpetua.start(REJECTS_BAD, id))
                    .isInstanceOfSatisfying(RecoveryFailedException.class, e -> {
                        assertThat(e.sequenceNr()).isEqualTo(2);
                        assertThat(e.persistenceId()).isEqualTo(id);
                    })
                    .hasMessageContaining(id)
                    .hasMessageContaining("event 2");
            assertThat(perpetua.liveProcesses()).isZero();
        }
    }

    @Test
    void an_event_that_cannot_be_deserialized_fails_recovery_naming_the_id_and_sequence_number() {
        String id = Ids.fresh("corrupt-event");
        JavaSerializer serializer = new JavaSerializer();
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            ref.call(add("b"));
            ref.call(add("c"));
        }
        store.replaceEventPayload(id, 3, FaultyStore.garbage(Accumulator.Added.class.getName()));

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            assertThatThrownBy(() -> perpetua.start(Accumulator.type(), id))
                    .isInstanceOfSatisfying(RecoveryFailedException.class, e -> assertThat(e.sequenceNr()).isEqualTo(3))
                    .hasMessageContaining(id)
                    .hasMessageContaining("event 3")
                    .hasMessageContaining(Accumulator.Added.class.getName());
        }
    }

    @Test
    void undecodable_events_anywhere_in_a_long_replay_are_skipped_in_order_whichever_thread_decodes_them() {
        String id = Ids.fresh("long-corrupt");
        JavaSerializer serializer = new JavaSerializer();
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            for (int i = 1; i <= 1_000; i++) ref.cast(add("v" + i));
            ref.call(get());
        }
        // first and last of pages read ahead (pages of 50), and in the middle of the first page
        List<Long> corrupt = List.of(7L, 51L, 100L, 101L, 523L, 950L, 1_000L);
        for (long seq : corrupt) store.replaceEventPayload(id, seq, FaultyStore.garbage(Accumulator.Added.class.getName()));
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).deadLetters(deadLetters::add).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type().withRecoveryBatchSize(50)
                    .withPoisonEventPolicy(PoisonEventPolicy.SKIP), id);
            List<String> state = ref.call(get());

            List<String> expected = new java.util.ArrayList<>();
            for (long i = 1; i <= 1_000; i++) if (!corrupt.contains(i)) expected.add("v" + i);
            assertThat(state).containsExactlyElementsOf(expected);
            assertThat(deadLetters).extracting(DeadLetter::sequenceNr).containsExactlyElementsOf(corrupt);
        }

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            assertThatThrownBy(() -> perpetua.start(Accumulator.type().withRecoveryBatchSize(50), id))
                    .isInstanceOfSatisfying(RecoveryFailedException.class, e -> assertThat(e.sequenceNr()).isEqualTo(7));
        }
    }

    @Test
    void a_poison_event_under_the_skip_policy_goes_to_the_dead_letters_and_recovery_continues() {
        String id = writeWithAPoisonAtTwo();
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

        try (Perpetua perpetua = Perpetua.builder().store(store).deadLetters(deadLetters::add).build()) {
            ProcessRef<Accumulator.Command> ref =
                    perpetua.start(REJECTS_BAD.withPoisonEventPolicy(PoisonEventPolicy.SKIP), id);

            List<String> state = ref.call(get());
            assertThat(state).containsExactly("ok", "ok2");
            assertThat(deadLetters).singleElement().satisfies(d -> {
                assertThat(d.persistenceId()).isEqualTo(id);
                assertThat(d.sequenceNr()).isEqualTo(2);
                assertThat(d.reason()).contains("bad");
            });
        }
    }

    @Test
    void after_skipping_a_poison_event_the_next_persist_gets_the_next_sequence_number() {
        String id = writeWithAPoisonAtTwo();

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref =
                    perpetua.start(REJECTS_BAD.withPoisonEventPolicy(PoisonEventPolicy.SKIP), id);
            Long seqAfterRecovery = ref.call(run(ctx -> ctx.reply(ctx.lastSequenceNr())));
            assertThat(seqAfterRecovery).isEqualTo(3);

            List<String> state = ref.call(add("next"));

            assertThat(state).containsExactly("ok", "ok2", "next");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void a_poison_last_event_under_the_skip_policy_still_counts_for_the_next_sequence_number() {
        String id = Ids.fresh("poison-last");
        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("ok"));
            ref.call(add("bad"));
        }

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            ProcessRef<Accumulator.Command> ref =
                    perpetua.start(REJECTS_BAD.withPoisonEventPolicy(PoisonEventPolicy.SKIP), id);
            List<String> state = ref.call(add("next"));

            assertThat(state).containsExactly("ok", "next");
            assertThat(store.events(id)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void a_start_that_failed_on_a_poison_event_can_be_retried_at_once_with_a_fixed_behaviour() {
        String id = writeWithAPoisonAtTwo();

        try (Perpetua perpetua = Perpetua.builder().store(store).build()) {
            assertThatThrownBy(() -> perpetua.start(REJECTS_BAD, id)).isInstanceOf(RecoveryFailedException.class);
            List<String> state = perpetua.start(Accumulator.type(), id).call(get());

            assertThat(state).containsExactly("ok", "bad", "ok2");
        }
    }

    @Test
    void an_undeserializable_event_under_the_skip_policy_becomes_a_dead_letter_naming_its_manifest() {
        String id = Ids.fresh("corrupt-skip");
        JavaSerializer serializer = new JavaSerializer();
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            ProcessRef<Accumulator.Command> ref = perpetua.start(Accumulator.type(), id);
            ref.call(add("a"));
            ref.call(add("b"));
        }
        store.replaceEventPayload(id, 1, FaultyStore.garbage(Accumulator.Added.class.getName()));
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer)
                .deadLetters(deadLetters::add).build()) {
            List<String> state = perpetua.start(Accumulator.type().withPoisonEventPolicy(PoisonEventPolicy.SKIP), id)
                    .call(get());

            assertThat(state).containsExactly("b");
            assertThat(deadLetters).singleElement().satisfies(d -> {
                assertThat(d.sequenceNr()).isEqualTo(1);
                assertThat(d.manifest()).contains(Accumulator.Added.class.getName());
            });
        }
    }
}
