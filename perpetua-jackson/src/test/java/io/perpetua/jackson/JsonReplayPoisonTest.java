package io.perpetua.jackson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.DeadLetter;
import io.perpetua.Perpetua;
import io.perpetua.PoisonEventPolicy;
import io.perpetua.ProcessType;
import io.perpetua.RecoveryFailedException;
import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A long replay of JSON events, decoded many at a time on two threads, reports each poison event with
 * its own sequence number and applies every other event of its batch.
 */
class JsonReplayPoisonTest {

    record Deposited(String accountId, long amount, String currency, Instant at) {}

    private static final ProcessType<Object, Long, Deposited> SUM = ProcessType.<Object, Long, Deposited>pure(
            "json-sum", 0L, (command, sum) -> List.of(), (sum, e) -> sum + e.amount());

    private final Store store = Stores.open("memory:");
    private final JacksonSerializer serializer = new JacksonSerializer();

    @AfterEach
    void close() {
        store.close();
    }

    /**
     * 2,500 events whose amount is their sequence number, with poison at: the first page (decoded by
     * the process thread alone), a page's last event, and pages read ahead (decoded from both ends).
     */
    private Map<Long, Payload.Serialized> writeWithPoison(String id) {
        String manifest = serializer.manifestOf(Deposited.class);
        Map<Long, Payload.Serialized> poison = Map.of(
                5L, new Payload.Serialized(manifest, 1, "{\"accountId\":\"a\",\"amount\":".getBytes(StandardCharsets.UTF_8)),
                6L, new Payload.Serialized(manifest, 1, "null".getBytes(StandardCharsets.UTF_8)),
                1000L, new Payload.Serialized("no.such.Type", 1, serializer.serialize(deposited(1000)).bytes()),
                1500L, new Payload.Serialized(manifest, 7, serializer.serialize(deposited(1500)).bytes()),
                2480L, new Payload.Serialized(manifest, 1, "{\"amount\":\"lots\"}".getBytes(StandardCharsets.UTF_8)));
        List<EventData> data = new ArrayList<>();
        Instant now = Instant.now();
        for (long seq = 1; seq <= 2_500; seq++) {
            Payload payload = poison.containsKey(seq) ? poison.get(seq) : serializer.serialize(deposited(seq));
            data.add(new EventData(payload, Set.of(), now));
        }
        store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), data)));
        return poison;
    }

    private static Deposited deposited(long seq) {
        return new Deposited("acc", seq, "EUR", Instant.ofEpochSecond(seq));
    }

    @Test
    void each_poison_event_is_skipped_under_its_own_sequence_number_and_the_rest_are_applied() {
        String id = "json-poison-skip";
        Map<Long, Payload.Serialized> poison = writeWithPoison(id);
        List<DeadLetter> dead = new CopyOnWriteArrayList<>();

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).deadLetters(dead::add).build()) {
            long sum = perpetua.readState(SUM.withPoisonEventPolicy(PoisonEventPolicy.SKIP), id).state();

            long expected = 2_500L * 2_501 / 2 - poison.keySet().stream().mapToLong(Long::longValue).sum();
            assertThat(sum).isEqualTo(expected);
            assertThat(dead).extracting(DeadLetter::sequenceNr).containsExactly(5L, 6L, 1000L, 1500L, 2480L);
            for (DeadLetter d : dead) {
                // the reason is what decoding that event alone throws
                String alone = aloneFailure(poison.get(d.sequenceNr()));
                assertThat(d.reason()).contains("event " + d.sequenceNr() + " of process '" + id + "'").contains(alone);
            }
        }
    }

    @Test
    void the_first_poison_event_fails_recovery_under_its_own_sequence_number() {
        String id = "json-poison-fail";
        writeWithPoison(id);

        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(serializer).build()) {
            assertThatThrownBy(() -> perpetua.readState(SUM, id))
                    .isInstanceOfSatisfying(RecoveryFailedException.class, e -> assertThat(e.sequenceNr()).isEqualTo(5))
                    .hasMessageContaining("event 5 of process '" + id + "'");
        }
    }

    private String aloneFailure(Payload.Serialized payload) {
        try {
            serializer.deserialize(payload);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected " + payload.manifest() + " to fail");
    }
}
