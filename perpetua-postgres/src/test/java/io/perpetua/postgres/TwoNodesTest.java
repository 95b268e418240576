package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Stores;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two runtimes in two JVMs on one database send commands to the same persistence ids at the same
 * time. Every conflict is detected and resolved by reloading and retrying: no event is lost or
 * duplicated, sequence numbers stay contiguous, and each acknowledged command is in the journal
 * exactly once.
 */
class TwoNodesTest {

    @Test
    void two_nodes_writing_the_same_processes_lose_and_duplicate_nothing() throws Exception {
        String uri = TestDatabase.uri(TestDatabase.freshSchema());
        Stores.open(uri).close(); // create the tables before the nodes race
        int ids = 10;
        int commands = 40;
        long startAt = System.currentTimeMillis() + 3000;
        Process a = start(uri, "a", ids, commands, startAt);
        Process b = start(uri, "b", ids, commands, startAt);
        String resultA = result(a);
        String resultB = result(b);
        assertThat(resultA).isEqualTo("acked " + ids * commands + " failed 0");
        assertThat(resultB).isEqualTo("acked " + ids * commands + " failed 0");

        try (Store store = Stores.open(uri)) {
            Set<String> seen = new HashSet<>();
            int switches = 0;
            for (int i = 0; i < ids; i++) {
                String id = "shared-" + i;
                List<StoredEvent> events = store.journal().read(id, 1, Long.MAX_VALUE, 10_000);
                assertThat(events).hasSize(2 * commands);
                for (int k = 0; k < events.size(); k++) {
                    assertThat(events.get(k).sequenceNr()).isEqualTo(k + 1);
                    String text = new String(((Payload.Serialized) events.get(k).payload()).bytes(), StandardCharsets.UTF_8);
                    assertThat(seen.add(text)).as("%s is in the journal once", text).isTrue();
                    if (k > 0) {
                        String before = new String(((Payload.Serialized) events.get(k - 1).payload()).bytes(), StandardCharsets.UTF_8);
                        if (before.charAt(0) != text.charAt(0)) switches++;
                    }
                }
            }
            assertThat(switches).as("the nodes' writes interleave, so they had conflicts to resolve").isGreaterThan(ids);
            for (String node : List.of("a", "b")) {
                for (int i = 0; i < ids; i++) {
                    for (int c = 0; c < commands; c++) assertThat(seen).contains(node + ":shared-" + i + ":" + c);
                }
            }
        }
    }

    private static Process start(String uri, String node, int ids, int commands, long startAt) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NodeWriter.class.getName(), uri, node,
                Integer.toString(ids), Integer.toString(commands), Long.toString(startAt))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static String result(Process p) throws Exception {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(lines).isNotEmpty();
        return lines.getLast();
    }
}
