package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large batches are split in two and written at once (on a store opened with {@code splitAt}), and a
 * batch planned while another is in
 * flight is written behind it without taking the position lock first. These tests check that what
 * lands is what a one-at-a-time store would have written: each write its own result, contiguous
 * sequence numbers, unique positions, and a live reader that sees every event once, in order, with
 * nothing skipped, also when a second node writes at the same time and the appends fall back under
 * the lock.
 */
class PipelinedAppendTest {

    /** Batches of 256 writes or more in two halves. */
    private static final String SPLIT = "&splitAt=256";

    @Test
    void a_large_batch_split_in_two_gives_each_write_its_own_result_and_positions_in_write_order() {
        try (PostgresStore store = (PostgresStore) Stores.open(TestDatabase.uri(TestDatabase.freshSchema()) + SPLIT)) {
            EventJournal journal = store.journal();
            List<AtomicWrite> first = new ArrayList<>();
            for (int i = 0; i < 400; i++) first.add(write("s-" + i, ExpectedSequence.none(), "a" + i));
            assertThat(journal.append(first)).allSatisfy(r -> assertThat(r).isInstanceOf(WriteResult.Written.class));
            long splitBefore = store.splitAppends(); // the first append looks every stream up: not split

            List<AtomicWrite> second = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                // in the second half, every tenth write expects a stale number: a conflict, in its own
                // place (that half is then looked up and written under the lock, after the first)
                second.add(write("s-" + i, ExpectedSequence.exactly(conflicting(i) ? 0 : 1), "b" + i));
            }
            // after its own earlier write in this batch, on the same side of the cut
            second.add(write("s-397", ExpectedSequence.exactly(2), "c397"));
            List<WriteResult> results = journal.append(second);
            assertThat(store.splitAppends()).as("the second append was split").isEqualTo(splitBefore + 1);
            assertThat(results).hasSize(401);
            long previous = 400;
            for (int i = 0; i < 401; i++) {
                if (conflicting(i)) {
                    assertThat(results.get(i)).isEqualTo(new WriteResult.Conflict(ExpectedSequence.exactly(0), 1));
                } else {
                    WriteResult.Written w = (WriteResult.Written) results.get(i);
                    assertThat(w.firstSequenceNr()).isEqualTo(i < 400 ? 2 : 3);
                    // positions follow the order of the writes, across the two halves
                    assertThat(w.globalPositions()[0]).isEqualTo(previous + 1);
                    previous = w.globalPositions()[0];
                    // each written event is at the position its result names
                    StoredEvent e = journal.read(second.get(i).persistenceId(), w.firstSequenceNr(), w.firstSequenceNr(), 1).getFirst();
                    assertThat(e.globalPosition()).isEqualTo(w.globalPositions()[0]);
                }
            }
            assertThat(texts(journal.read("s-397", 1, Long.MAX_VALUE, 10))).containsExactly("a397", "b397", "c397");
            assertThat(texts(journal.read("s-10", 1, Long.MAX_VALUE, 10))).containsExactly("a10", "b10");
            assertThat(texts(journal.read("s-210", 1, Long.MAX_VALUE, 10))).containsExactly("a210");
            assertThat(journal.readAll(1, 10_000)).extracting(StoredEvent::globalPosition)
                    .containsExactlyElementsOf(positions(1, 400 + 380 + 1));

            // a stream on both sides of the cut: the batch is written whole, in order
            List<AtomicWrite> third = new ArrayList<>();
            for (int i = 0; i < 300; i++) third.add(write("t-" + i, ExpectedSequence.none(), "t" + i));
            third.add(write("t-0", ExpectedSequence.exactly(1), "u0"));
            assertThat(journal.append(third)).allMatch(r -> r instanceof WriteResult.Written);
            assertThat(store.splitAppends()).isEqualTo(splitBefore + 1);
            assertThat(texts(journal.read("t-0", 1, Long.MAX_VALUE, 10))).containsExactly("t0", "u0");
        }
    }

    private static boolean conflicting(int i) {
        return i >= 200 && i < 400 && i % 10 == 0;
    }

    @Test
    void a_pipelined_part_that_finds_the_position_moved_writes_nothing_and_is_written_again_under_the_lock()
            throws Exception {
        String schema = TestDatabase.freshSchema();
        try (PostgresStore store = (PostgresStore) Stores.open(TestDatabase.uri(schema) + SPLIT)) {
            EventJournal journal = store.journal();
            List<AtomicWrite> first = new ArrayList<>();
            for (int i = 0; i < 400; i++) first.add(write("m-" + i, ExpectedSequence.none(), "a" + i));
            assertThat(journal.append(first)).allMatch(r -> r instanceof WriteResult.Written);
            long highest = journal.highestGlobalPosition();

            // between the first part's commit and the second part's move, another writer moves the position
            AtomicInteger moves = new AtomicInteger();
            store.beforePipelinedMove(() -> {
                if (moves.getAndIncrement() > 0) return;
                try (Connection c = TestDatabase.connect(); Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE " + schema + ".global_position SET highest = highest + 1000");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            long pipelinedBefore = store.pipelinedBatches();
            List<AtomicWrite> second = new ArrayList<>();
            for (int i = 0; i < 400; i++) second.add(write("m-" + i, ExpectedSequence.exactly(1), "b" + i));
            List<WriteResult> results = journal.append(second);
            assertThat(moves).hasValue(1);
            assertThat(store.pipelinedBatches()).as("the pipelined part did not commit").isEqualTo(pipelinedBefore);

            assertThat(results).allMatch(r -> r instanceof WriteResult.Written);
            int afterTheMove = 0;
            for (int i = 0; i < 400; i++) {
                WriteResult.Written w = (WriteResult.Written) results.get(i);
                assertThat(w.firstSequenceNr()).isEqualTo(2);
                assertThat(texts(journal.read("m-" + i, 1, Long.MAX_VALUE, 10))).containsExactly("a" + i, "b" + i);
                StoredEvent e = journal.read("m-" + i, 2, 2, 1).getFirst();
                assertThat(e.globalPosition()).isEqualTo(w.globalPositions()[0]);
                if (e.globalPosition() > highest + 1000) afterTheMove++;
            }
            // the first part kept its positions; the second was written again after the moved position
            assertThat(afterTheMove).isPositive().isLessThan(400);
            List<StoredEvent> all = journal.readAll(1, 10_000);
            assertThat(all).hasSize(800);
            assertThat(all).extracting(StoredEvent::globalPosition).doesNotHaveDuplicates().isSorted();
        }
    }

    @ParameterizedTest(name = "batches split: {0}")
    @ValueSource(booleans = {false, true})
    void concurrent_appends_are_written_behind_each_other_and_a_live_reader_misses_nothing(boolean split) throws Exception {
        String uri = TestDatabase.uri(TestDatabase.freshSchema()) + (split ? SPLIT : "");
        try (Store store = Stores.open(uri)) {
            Reader reader = new Reader(store.journal());
            reader.start();
            runWriters(List.of(store, store, store), 30, 300);
            long highest = store.journal().highestGlobalPosition();
            assertThat(highest).isEqualTo(3L * 30 * 300);
            reader.awaitAndStop(highest);
            assertThat(((PostgresStore) store).pipelinedBatches()).as("batches written behind another").isPositive();
            checkJournal(store.journal(), reader, 3, 300, 30);
        }
    }

    @ParameterizedTest(name = "batches split: {0}")
    @ValueSource(booleans = {false, true})
    void two_nodes_appending_at_once_fall_back_under_the_lock_and_lose_nothing(boolean split) throws Exception {
        String uri = TestDatabase.uri(TestDatabase.freshSchema()) + (split ? SPLIT : "");
        try (Store a = Stores.open(uri); Store b = Stores.open(uri)) {
            Reader reader = new Reader(a.journal());
            reader.start();
            runWriters(List.of(a, a, b, b), 20, 300);
            long highest = a.journal().highestGlobalPosition();
            assertThat(highest).isEqualTo(4L * 20 * 300);
            reader.awaitAndStop(highest);
            checkJournal(a.journal(), reader, 4, 300, 20);
        }
    }

    /** Writer {@code w} appends {@code rounds} batches, each one event to each of its own {@code streams}. */
    private static void runWriters(List<Store> stores, int rounds, int streams) throws Exception {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < stores.size(); w++) {
            EventJournal journal = stores.get(w).journal();
            int writer = w;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        List<AtomicWrite> batch = new ArrayList<>();
                        for (int s = 0; s < streams; s++) {
                            batch.add(write("w" + writer + "-" + s, ExpectedSequence.exactly(round), writer + "/" + s + "/" + round));
                        }
                        List<WriteResult> results = journal.append(batch);
                        for (WriteResult r : results) {
                            if (!(r instanceof WriteResult.Written)) throw new AssertionError("round " + round + ": " + r);
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(failures).isEmpty();
    }

    private static void checkJournal(EventJournal journal, Reader reader, int writers, int streams, int rounds) {
        for (int w = 0; w < writers; w++) {
            for (int s = 0; s < streams; s += 37) {
                List<StoredEvent> events = journal.read("w" + w + "-" + s, 1, Long.MAX_VALUE, 1000);
                assertThat(events).extracting(StoredEvent::sequenceNr).containsExactlyElementsOf(positions(1, rounds));
            }
        }
        List<Long> all = new ArrayList<>();
        long from = 1;
        for (List<StoredEvent> page; !(page = journal.readAll(from, 5000)).isEmpty(); from = page.getLast().globalPosition() + 1) {
            for (StoredEvent e : page) all.add(e.globalPosition());
        }
        assertThat(all).containsExactlyElementsOf(positions(1, (long) writers * streams * rounds));
        assertThat(reader.seen).containsExactlyElementsOf(all);
        assertThat(reader.texts).hasSize(all.size()).doesNotHaveDuplicates();
    }

    /** Follows the global log as a live reader does: reads what is there, then waits for more. */
    private static final class Reader extends Thread {
        final EventJournal journal;
        final List<Long> seen = new ArrayList<>();
        final Set<String> texts = ConcurrentHashMap.newKeySet();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile long upTo;

        Reader(EventJournal journal) {
            this.journal = journal;
            setDaemon(true);
        }

        @Override
        public void run() {
            long next = 1;
            try {
                while (!stop.get()) {
                    List<StoredEvent> page = journal.readAll(next, 1000);
                    for (StoredEvent e : page) {
                        seen.add(e.globalPosition());
                        texts.add(text(e));
                        next = e.globalPosition() + 1;
                    }
                    upTo = next - 1;
                    if (page.isEmpty()) journal.awaitGlobalPosition(next - 1, Duration.ofMillis(200));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitAndStop(long highest) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (upTo < highest && System.nanoTime() < deadline) Thread.sleep(10);
            stop.set(true);
            join(5000);
            assertThat(upTo).isEqualTo(highest);
        }
    }

    private static List<Long> positions(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long p = from; p <= to; p++) out.add(p);
        return out;
    }

    private static AtomicWrite write(String id, ExpectedSequence expected, String text) {
        return new AtomicWrite(id, expected, List.of(new EventData(
                new Payload.Serialized("t", 1, text.getBytes(StandardCharsets.UTF_8)), Set.of(), Instant.now())));
    }

    private static String text(StoredEvent e) {
        return new String(((Payload.Serialized) e.payload()).bytes(), StandardCharsets.UTF_8);
    }

    private static List<String> texts(List<StoredEvent> events) {
        return events.stream().map(PipelinedAppendTest::text).toList();
    }
}
