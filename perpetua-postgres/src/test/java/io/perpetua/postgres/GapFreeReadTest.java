package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trap of sequence-assigned positions (DESIGN.md §5): a transaction that took position 10
 * commits after one that took 11, and a reader at 11 never sees 10. Here three store instances (as
 * three nodes) and a hand-written transaction that holds the position lock open for 100 ms append
 * concurrently, while a live reader follows the global log; it must end with every event exactly
 * once, in increasing position order, without any guessed delay.
 */
class GapFreeReadTest {

    private static final Logger log = LoggerFactory.getLogger(GapFreeReadTest.class);

    @Test
    void a_live_reader_sees_every_event_exactly_once_while_writers_commit_concurrently() throws Exception {
        String schema = TestDatabase.freshSchema();
        List<Store> nodes = List.of(Stores.open(TestDatabase.uri(schema)), Stores.open(TestDatabase.uri(schema)),
                Stores.open(TestDatabase.uri(schema)));
        try {
            Map<String, Long> ackedAt = new ConcurrentHashMap<>();
            Map<String, Long> seenAt = new ConcurrentHashMap<>();
            List<String> seenOrder = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean writing = new AtomicBoolean(true);
            Store readerNode = nodes.get(0);

            Thread reader = Thread.ofPlatform().start(() -> {
                long last = 0;
                try {
                    while (true) {
                        List<StoredEvent> page = readerNode.journal().readAll(last + 1, 500);
                        long now = System.nanoTime();
                        for (StoredEvent e : page) {
                            assertThat(e.globalPosition()).isGreaterThan(last);
                            last = e.globalPosition();
                            String key = e.persistenceId() + "#" + e.sequenceNr();
                            seenOrder.add(key);
                            seenAt.putIfAbsent(key, now);
                        }
                        if (page.isEmpty()) {
                            if (!writing.get() && last >= readerNode.journal().highestGlobalPosition()) return;
                            readerNode.journal().awaitGlobalPosition(last, Duration.ofMillis(200));
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                Store node = nodes.get(w % nodes.size());
                writers.add(Thread.ofPlatform().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 150; i++) {
                        String id = "stream-" + random.nextInt(40);
                        int n = 1 + random.nextInt(3);
                        List<EventData> events = new ArrayList<>();
                        for (int k = 0; k < n; k++) {
                            events.add(new EventData(new Payload.Serialized("e", 1, new byte[] {(byte) k}), Set.of(), Instant.now()));
                        }
                        WriteResult r = node.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), events))).getFirst();
                        long now = System.nanoTime();
                        WriteResult.Written written = (WriteResult.Written) r;
                        for (int k = 0; k < n; k++) ackedAt.put(id + "#" + (written.firstSequenceNr() + k), now);
                    }
                }));
            }
            writers.add(Thread.ofPlatform().start(() -> slowTransactions(schema, 10, ackedAt)));
            for (Thread t : writers) t.join();
            writing.set(false);
            reader.join(Duration.ofSeconds(60));
            assertThat(reader.isAlive()).isFalse();

            Set<String> inJournal = new HashSet<>();
            for (long from = 1; ; ) {
                List<StoredEvent> page = readerNode.journal().readAll(from, 1000);
                if (page.isEmpty()) break;
                for (StoredEvent e : page) inJournal.add(e.persistenceId() + "#" + e.sequenceNr());
                from = page.getLast().globalPosition() + 1;
            }
            assertThat(seenOrder).as("no event seen twice").doesNotHaveDuplicates();
            assertThat(new HashSet<>(seenOrder)).as("every event seen").isEqualTo(inJournal);
            assertThat(inJournal).containsAll(ackedAt.keySet());

            long[] lags = ackedAt.entrySet().stream().filter(e -> seenAt.containsKey(e.getKey()))
                    .mapToLong(e -> Math.max(0, seenAt.get(e.getKey()) - e.getValue())).sorted().toArray();
            log.info("live reader lag over {} events: p50 {} ms, p99 {} ms", lags.length,
                    lags[lags.length / 2] / 1_000_000.0, lags[(int) (lags.length * 0.99)] / 1_000_000.0);
        } finally {
            nodes.forEach(Store::close);
        }
    }

    /**
     * Appends the way the store does, but holds the transaction open for 100 ms after taking its
     * positions: every concurrent appender must wait behind it, so positions stay in commit order.
     */
    private static void slowTransactions(String schema, int count, Map<String, Long> ackedAt) {
        String base = TestDatabase.baseUri();
        int q = base.indexOf('?');
        java.util.Properties props = new java.util.Properties();
        for (String p : base.substring(q + 1).split("&")) props.setProperty(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:" + base.substring(0, q), props)) {
            c.setAutoCommit(false);
            for (int i = 0; i < count; i++) {
                long position;
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT highest FROM " + schema + ".global_position WHERE id = 1 FOR UPDATE")) {
                    rs.next();
                    position = rs.getLong(1) + 1;
                }
                String id = "slow-" + i;
                long streamId;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".streams (persistence_id,"
                        + " highest_sequence_nr, deleted_up_to) VALUES (?, 1, 0) RETURNING stream_id")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        streamId = rs.getLong(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".event_journal (global_position,"
                        + " persistence_id, stream_id, sequence_nr, written_at, written_nanos, manifest, schema_version, tags,"
                        + " payload) VALUES (?, ?, ?, 1, ?, 0, 'e', 1, '{}', '\\x00')")) {
                    ps.setLong(1, position);
                    ps.setString(2, id);
                    ps.setLong(3, streamId);
                    ps.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
                    ps.executeUpdate();
                }
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE " + schema + ".global_position SET highest = " + position + " WHERE id = 1");
                }
                Thread.sleep(100);
                c.commit();
                ackedAt.put(id + "#1", System.nanoTime());
                Thread.sleep(20);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
