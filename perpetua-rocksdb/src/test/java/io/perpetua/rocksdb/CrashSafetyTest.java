package io.perpetua.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Perpetua;
import io.perpetua.RecoveredState;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kills a child JVM that persists with 100 processes at a random moment (SIGKILL), reopens the
 * store and checks every acknowledged event, several rounds on the same directory.
 */
class CrashSafetyTest {

    @Test
    void every_acknowledged_event_survives_sigkill_and_no_batch_is_partly_present() throws Exception {
        Path directory = TempStores.freshDirectory();
        Path acks = directory.resolveSibling(directory.getFileName() + "-acks.log");
        long lastPosition = 0;
        int totalAcked = 0;
        for (int round = 1; round <= 3; round++) {
            Process child = startChild(directory, acks);
            Thread.sleep(ThreadLocalRandom.current().nextLong(200, 1200));
            assertThat(child.isAlive()).as("the writer is still running in round %d", round).isTrue();
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            Map<String, Set<Long>> acked = readAcks(acks);
            int ackedEvents = acked.values().stream().mapToInt(Set::size).sum();
            assertThat(ackedEvents).as("acknowledged events after round %d", round).isGreaterThan(totalAcked);
            totalAcked = ackedEvents;
            try (Store store = RocksDbStore.open(directory, RocksDbStore.Durability.FSYNC)) {
                lastPosition = checkStore(store, acked, lastPosition);
                checkRecovery(store);
            }
        }
    }

    private static Process startChild(Path directory, Path acks) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), directory.toString(), acks.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the writer's first line").isEqualTo("ready");
        return child;
    }

    /** The ack log; a last line cut short by the kill is ignored. */
    private static Map<String, Set<Long>> readAcks(Path acks) throws Exception {
        Map<String, Set<Long>> acked = new HashMap<>();
        if (!Files.exists(acks)) return acked;
        String text = Files.readString(acks);
        int end = text.lastIndexOf('\n');
        if (end < 0) return acked;
        for (String line : text.substring(0, end).split("\n")) {
            String[] parts = line.split(" ");
            acked.computeIfAbsent(parts[0], k -> new HashSet<>()).add(Long.parseLong(parts[1]));
        }
        return acked;
    }

    private static long checkStore(Store store, Map<String, Set<Long>> acked, long lastPosition) {
        List<String> ids = new ArrayList<>();
        for (String after = ""; ; ) {
            List<String> page = store.journal().persistenceIds(after, 1000);
            if (page.isEmpty()) break;
            ids.addAll(page);
            after = page.getLast();
        }
        assertThat(ids).containsAll(acked.keySet());
        for (String id : ids) {
            List<StoredEvent> events = store.journal().read(id, 1, Long.MAX_VALUE, Integer.MAX_VALUE);
            long highest = store.journal().highestSequenceNr(id);
            assertThat(events).as("events of %s", id).hasSize((int) highest);
            Map<Long, Integer> batches = new HashMap<>();
            for (int i = 0; i < events.size(); i++) {
                StoredEvent e = events.get(i);
                assertThat(e.sequenceNr()).as("sequence numbers of %s are contiguous from 1", id).isEqualTo(i + 1);
                String[] fields = text(e).split("\\|");
                assertThat(fields[0]).isEqualTo(id);
                assertThat(Long.parseLong(fields[1])).as("payload of %s #%d", id, e.sequenceNr()).isEqualTo(e.sequenceNr());
                long batchStart = Long.parseLong(fields[2]);
                int batchSize = Integer.parseInt(fields[3]);
                batches.merge(batchStart, 1, Integer::sum);
                if (e.sequenceNr() == batchStart + batchSize - 1 || i == events.size() - 1) {
                    assertThat(batches.get(batchStart)).as("persistAll at %s #%d is whole", id, batchStart)
                            .isEqualTo(batchSize);
                }
            }
            for (long seq : acked.getOrDefault(id, Set.of())) {
                assertThat(seq).as("acknowledged event %s #%d is present", id, seq).isLessThanOrEqualTo(highest);
            }
        }
        long previous = 0;
        int count = 0;
        for (long from = 1; ; ) {
            List<StoredEvent> page = store.journal().readAll(from, 10_000);
            if (page.isEmpty()) break;
            for (StoredEvent e : page) {
                assertThat(e.globalPosition()).as("global positions are unique and increasing").isGreaterThan(previous);
                previous = e.globalPosition();
                count++;
            }
            from = page.getLast().globalPosition() + 1;
        }
        int total = 0;
        for (String id : ids) total += (int) store.journal().highestSequenceNr(id);
        assertThat(count).as("the global log holds every event once").isEqualTo(total);
        assertThat(previous).isGreaterThanOrEqualTo(lastPosition);
        return previous;
    }

    /** Every process recovers (from its newest snapshot plus later events) to a count equal to its stream length. */
    private static void checkRecovery(Store store) {
        try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new TextSerializer()).build()) {
            for (String id : store.journal().persistenceIds("", 1000)) {
                RecoveredState<Long> recovered = perpetua.readState(CrashWriter.WRITERS, id);
                assertThat(recovered.state()).as("recovered state of %s", id).isEqualTo(recovered.sequenceNr());
                assertThat(recovered.sequenceNr()).isEqualTo(store.journal().highestSequenceNr(id));
            }
        }
    }

    private static String text(StoredEvent e) {
        return new String(((Payload.Serialized) e.payload()).bytes(), StandardCharsets.UTF_8);
    }
}
