package io.perpetua.testkit;

import static io.perpetua.spi.ExpectedSequence.any;
import static io.perpetua.spi.ExpectedSequence.exactly;
import static io.perpetua.spi.ExpectedSequence.none;
import static io.perpetua.testkit.Samples.event;
import static io.perpetua.testkit.Samples.freshId;
import static io.perpetua.testkit.Samples.freshTag;
import static io.perpetua.testkit.Samples.now;
import static io.perpetua.testkit.Samples.positions;
import static io.perpetua.testkit.Samples.sequenceNrs;
import static io.perpetua.testkit.Samples.texts;
import static io.perpetua.testkit.Samples.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance suite for {@link EventJournal}, modelled on the Pekko persistence TCK's
 * {@code JournalSpec}: replay ranges and max counts, deletes and the highest sequence number, atomic
 * writes, expected-sequence conflicts, global positions, tags, persistence id paging, live-reader
 * wake-ups, exact payload round trips and concurrent writers. A store is conformant when a subclass
 * that opens it passes every test:
 *
 * <pre>{@code
 * class MyJournalTest extends JournalContract {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openStore()} is called once before the tests of the class (the store is closed after
 * them) and once more by {@code every_call_after_close_throws_illegal_state_exception}, which
 * closes the store it gets; each call must return a newly opened {@link Store}, which may share its
 * data with the others. Tests isolate themselves by fresh random persistence ids and tags and never
 * wipe anything, so the store may be shared with other suites and hold data already. Timestamps are
 * compared at microsecond precision, which every store must keep, for instants between the years
 * 1900 and 2999.
 *
 * <p>A store whose {@link Store#acceptsReferences()} is true must override
 * {@link #eventTheStoreRejects()}; nothing in the suite is skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class JournalContract {

    private static final long MAX_SEQ = Long.MAX_VALUE;
    private static final int MAX = Integer.MAX_VALUE;

    private Store store;
    private EventJournal journal;

    /** For subclasses, one per store. */
    protected JournalContract() {}

    /**
     * Opens the store under test; see the class comment for when it is called.
     *
     * @return a newly opened store
     * @throws Exception if the store cannot be opened, which fails the suite
     */
    protected abstract Store openStore() throws Exception;

    /**
     * An event that this store refuses with {@link WriteResult.Rejected}. The default, an event with a
     * {@link Payload.Reference}, serves every store that does not accept references; a store that
     * accepts them overrides this, for example with a payload above its size limit.
     *
     * @return an event the store rejects
     */
    protected EventData eventTheStoreRejects() {
        if (store.acceptsReferences()) {
            fail(getClass().getName() + " tests a store that accepts references, so it must override "
                    + "eventTheStoreRejects() to return an event the store rejects");
        }
        return new EventData(new Payload.Reference("an object"), Set.of(), now());
    }

    @BeforeAll
    final void openTheStore() throws Exception {
        store = openStore();
        journal = store.journal();
    }

    @AfterAll
    final void closeTheStore() {
        if (store != null) store.close();
    }

    // ------------------------------------------------------------------------------------ replay

    @Test
    void replays_all_events_of_a_stream_in_order() {
        String id = streamOf(5);

        List<StoredEvent> events = journal.read(id, 1, MAX_SEQ, MAX);

        assertThat(sequenceNrs(events)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(texts(events)).containsExactly("e1", "e2", "e3", "e4", "e5");
        assertThat(events).allSatisfy(e -> assertThat(e.persistenceId()).isEqualTo(id));
    }

    @Test
    void replays_from_a_lower_bound() {
        String id = streamOf(5);

        assertThat(sequenceNrs(journal.read(id, 3, MAX_SEQ, MAX))).containsExactly(3L, 4L, 5L);
    }

    @Test
    void replays_up_to_an_upper_bound() {
        String id = streamOf(5);

        assertThat(sequenceNrs(journal.read(id, 1, 3, MAX))).containsExactly(1L, 2L, 3L);
        assertThat(sequenceNrs(journal.read(id, 0, 3, MAX))).as("a lower bound of 0").containsExactly(1L, 2L, 3L);
    }

    @Test
    void replays_a_range_bounded_on_both_sides() {
        String id = streamOf(5);

        assertThat(sequenceNrs(journal.read(id, 2, 4, MAX))).containsExactly(2L, 3L, 4L);
        assertThat(sequenceNrs(journal.read(id, 3, 3, MAX))).containsExactly(3L);
    }

    @Test
    void replays_nothing_when_max_is_zero() {
        String id = streamOf(5);

        assertThat(journal.read(id, 1, MAX_SEQ, 0)).isEmpty();
        assertThat(journal.read(id, 1, MAX_SEQ, 1)).as("the same read with max 1").hasSize(1);
    }

    @Test
    void replays_one_event_when_max_is_one() {
        String id = streamOf(5);

        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, 1))).containsExactly(1L);
        assertThat(sequenceNrs(journal.read(id, 3, 5, 1))).containsExactly(3L);
    }

    @Test
    void replays_at_most_max_events() {
        String id = streamOf(5);

        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, 3))).containsExactly(1L, 2L, 3L);
        assertThat(sequenceNrs(journal.read(id, 2, 4, 10))).as("max above the range").containsExactly(2L, 3L, 4L);
    }

    @Test
    void replays_nothing_when_from_is_above_to() {
        String id = streamOf(5);

        assertThat(journal.read(id, 4, 2, MAX)).isEmpty();
        assertThat(journal.read(id, 2, 4, MAX)).as("the same bounds in order").hasSize(3);
    }

    @Test
    void replays_nothing_past_the_end() {
        String id = streamOf(5);

        assertThat(journal.read(id, 6, MAX_SEQ, MAX)).isEmpty();
        assertThat(sequenceNrs(journal.read(id, 5, MAX_SEQ, MAX))).containsExactly(5L);
    }

    @Test
    void replays_nothing_inside_a_deleted_prefix() {
        String id = streamOf(5);
        journal.deleteUpTo(id, 3);

        assertThat(journal.read(id, 1, 3, MAX)).isEmpty();
        assertThat(journal.read(id, 2, 2, MAX)).isEmpty();
        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly(4L, 5L);
    }

    @Test
    void an_unknown_persistence_id_has_highest_sequence_number_zero_and_no_events() {
        String id = freshId("unknown");

        assertThat(journal.highestSequenceNr(id)).isZero();
        assertThat(journal.read(id, 0, MAX_SEQ, MAX)).isEmpty();
    }

    // ------------------------------------------------------------------------------------ delete

    @Test
    void keeps_the_highest_sequence_number_after_deleting_up_to_it() {
        String id = streamOf(5);
        journal.deleteUpTo(id, 5);

        assertThat(journal.highestSequenceNr(id)).isEqualTo(5);
        assertThat(journal.read(id, 1, MAX_SEQ, MAX)).isEmpty();
    }

    @Test
    void keeps_the_highest_sequence_number_after_deleting_up_to_long_max_value() {
        String id = streamOf(5);
        journal.deleteUpTo(id, Long.MAX_VALUE);

        assertThat(journal.highestSequenceNr(id)).isEqualTo(5);
        assertThat(journal.read(id, 1, MAX_SEQ, MAX)).isEmpty();
    }

    @Test
    void continues_the_numbering_after_a_delete() {
        String id = streamOf(5);
        journal.deleteUpTo(id, Long.MAX_VALUE);

        WriteResult.Written written = appendOne(write(id, any(), "e6", "e7"));

        assertThat(written.firstSequenceNr()).isEqualTo(6);
        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly(6L, 7L);
        assertThat(journal.highestSequenceNr(id)).isEqualTo(7);
    }

    @Test
    void deleting_is_idempotent() {
        String id = streamOf(5);
        journal.deleteUpTo(id, 3);
        journal.deleteUpTo(id, 3);
        journal.deleteUpTo(id, 2);

        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly(4L, 5L);
        assertThat(journal.highestSequenceNr(id)).isEqualTo(5);
    }

    @Test
    void deleting_up_to_zero_deletes_nothing() {
        String id = streamOf(3);
        journal.deleteUpTo(id, 0);

        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void deleting_from_an_unknown_stream_does_not_create_it() {
        String id = freshId("never-written");
        journal.deleteUpTo(id, 10);

        assertThat(journal.persistenceIds(id.substring(0, id.length() - 1), 1)).doesNotContain(id);
        WriteResult.Written written = appendOne(write(id, none(), "e1"));
        assertThat(written.firstSequenceNr()).isEqualTo(1);
        assertThat(sequenceNrs(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly(1L);
    }

    // ------------------------------------------------------------------------------------ atomic writes

    @Test
    void numbers_the_events_of_one_write_contiguously() {
        String id = freshId("batch");

        WriteResult.Written first = appendOne(write(id, none(), "e1", "e2", "e3", "e4"));
        WriteResult.Written second = appendOne(write(id, exactly(4), "e5", "e6", "e7"));

        assertThat(first.firstSequenceNr()).isEqualTo(1);
        assertThat(first.globalPositions()).hasSize(4);
        assertThat(second.firstSequenceNr()).isEqualTo(5);
        assertThat(second.globalPositions()).hasSize(3);
        List<StoredEvent> events = journal.read(id, 1, MAX_SEQ, MAX);
        assertThat(sequenceNrs(events)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(texts(events)).containsExactly("e1", "e2", "e3", "e4", "e5", "e6", "e7");
        assertThat(positions(events)).containsExactlyElementsOf(concat(first.globalPositions(), second.globalPositions()));
    }

    @Test
    void a_conflicting_write_leaves_none_of_its_events() {
        String id = streamOf(2);

        List<WriteResult> results = journal.append(List.of(write(id, exactly(1), "x1", "x2", "x3")));

        assertThat(results).containsExactly(new WriteResult.Conflict(exactly(1), 2));
        assertThat(texts(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2");
        assertThat(journal.highestSequenceNr(id)).isEqualTo(2);
    }

    @Test
    void a_rejected_write_leaves_none_of_its_events_and_does_not_affect_the_others() {
        String before = freshId("before");
        String rejected = streamOf(2);
        String after = freshId("after");
        AtomicWrite refused = new AtomicWrite(rejected, exactly(2),
                List.of(event("x3"), eventTheStoreRejects(), event("x5")));

        List<WriteResult> results = journal.append(
                List.of(write(before, none(), "b1", "b2"), refused, write(after, none(), "a1")));

        assertThat(results).hasSize(3);
        assertThat(results.get(0)).isInstanceOf(WriteResult.Written.class);
        assertThat(results.get(1)).isInstanceOfSatisfying(WriteResult.Rejected.class,
                r -> assertThat(r.reason()).isNotBlank());
        assertThat(results.get(2)).isInstanceOf(WriteResult.Written.class);
        assertThat(texts(journal.read(rejected, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2");
        assertThat(journal.highestSequenceNr(rejected)).isEqualTo(2);
        assertThat(texts(journal.read(before, 1, MAX_SEQ, MAX))).containsExactly("b1", "b2");
        assertThat(texts(journal.read(after, 1, MAX_SEQ, MAX))).containsExactly("a1");
    }

    @Test
    void a_reference_payload_is_kept_by_reference_or_rejected_as_the_store_declares() {
        String id = freshId("reference");
        Object value = new StringBuilder("kept by reference");
        AtomicWrite write = new AtomicWrite(id, any(),
                List.of(new EventData(new Payload.Reference(value), Set.of(), now())));

        List<WriteResult> results = journal.append(List.of(write));

        assertThat(results).hasSize(1);
        if (store.acceptsReferences()) {
            assertThat(results.get(0)).isInstanceOf(WriteResult.Written.class);
            assertThat(journal.read(id, 1, MAX_SEQ, MAX)).singleElement().satisfies(e ->
                    assertThat(e.payload()).isInstanceOfSatisfying(Payload.Reference.class,
                            r -> assertThat(r.value()).isSameAs(value)));
        } else {
            assertThat(results.get(0)).as("a reference payload in a store that does not accept references")
                    .isInstanceOf(WriteResult.Rejected.class);
            assertThat(journal.highestSequenceNr(id)).isZero();
            assertThat(journal.read(id, 1, MAX_SEQ, MAX)).isEmpty();
        }
    }

    @Test
    void writes_to_the_same_stream_in_one_call_apply_in_list_order() {
        String id = freshId("same-call");

        List<WriteResult> results = journal.append(List.of(
                write(id, none(), "e1", "e2"), write(id, exactly(2), "e3"), write(id, exactly(2), "x")));

        assertThat(results).hasSize(3);
        assertThat(results.get(0)).isInstanceOfSatisfying(WriteResult.Written.class,
                w -> assertThat(w.firstSequenceNr()).isEqualTo(1));
        assertThat(results.get(1)).isInstanceOfSatisfying(WriteResult.Written.class,
                w -> assertThat(w.firstSequenceNr()).isEqualTo(3));
        assertThat(results.get(2)).isEqualTo(new WriteResult.Conflict(exactly(2), 3));
        long[] first = ((WriteResult.Written) results.get(0)).globalPositions();
        long[] second = ((WriteResult.Written) results.get(1)).globalPositions();
        assertThat(second[0]).as("positions of a later write in the list").isGreaterThan(first[first.length - 1]);
        assertThat(texts(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2", "e3");
    }

    // ------------------------------------------------------------------------------------ expected sequence

    @Test
    void an_exact_expectation_that_does_not_match_is_a_conflict_naming_expected_and_actual() {
        String id = streamOf(3);

        assertThat(journal.append(List.of(write(id, exactly(2), "x")))).containsExactly(
                new WriteResult.Conflict(exactly(2), 3));
        assertThat(journal.append(List.of(write(id, exactly(4), "x")))).containsExactly(
                new WriteResult.Conflict(exactly(4), 3));
        assertThat(appendOne(write(id, exactly(3), "e4")).firstSequenceNr()).isEqualTo(4);
        assertThat(texts(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2", "e3", "e4");
    }

    @Test
    void an_exact_expectation_on_an_unknown_stream_is_a_conflict_with_actual_zero() {
        String id = freshId("unknown");

        assertThat(journal.append(List.of(write(id, exactly(1), "x")))).containsExactly(
                new WriteResult.Conflict(exactly(1), 0));
        assertThat(journal.highestSequenceNr(id)).isZero();
        assertThat(appendOne(write(id, exactly(0), "e1")).firstSequenceNr()).isEqualTo(1);
    }

    @Test
    void none_is_a_conflict_on_a_stream_that_has_events() {
        String id = freshId("none");
        assertThat(appendOne(write(id, none(), "e1", "e2")).firstSequenceNr()).isEqualTo(1);

        assertThat(journal.append(List.of(write(id, none(), "x")))).containsExactly(
                new WriteResult.Conflict(none(), 2));
        assertThat(texts(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2");
    }

    @Test
    void none_is_a_conflict_on_a_stream_whose_events_were_all_deleted() {
        String id = streamOf(2);
        journal.deleteUpTo(id, Long.MAX_VALUE);

        assertThat(journal.append(List.of(write(id, none(), "x")))).containsExactly(
                new WriteResult.Conflict(none(), 2));
        assertThat(appendOne(write(id, exactly(2), "e3")).firstSequenceNr()).isEqualTo(3);
    }

    @Test
    void any_always_appends() {
        String id = freshId("any");

        assertThat(appendOne(write(id, any(), "e1")).firstSequenceNr()).isEqualTo(1);
        assertThat(appendOne(write(id, any(), "e2", "e3")).firstSequenceNr()).isEqualTo(2);
        journal.deleteUpTo(id, 3);
        assertThat(appendOne(write(id, any(), "e4")).firstSequenceNr()).isEqualTo(4);
        assertThat(texts(journal.read(id, 1, MAX_SEQ, MAX))).containsExactly("e4");
    }

    @Test
    void a_conflict_in_one_write_does_not_affect_the_other_writes_of_the_call() {
        String a = streamOf(1);
        String b = streamOf(2);
        String c = freshId("c");
        String d = streamOf(1);

        List<WriteResult> results = journal.append(List.of(
                write(a, exactly(1), "a2"),
                write(b, exactly(5), "x1", "x2"),
                write(c, none(), "c1", "c2"),
                write(d, none(), "x3"),
                write(d, any(), "d2")));

        assertThat(results).hasSize(5);
        assertThat(results.get(0)).isInstanceOf(WriteResult.Written.class);
        assertThat(results.get(1)).isEqualTo(new WriteResult.Conflict(exactly(5), 2));
        assertThat(results.get(2)).isInstanceOf(WriteResult.Written.class);
        assertThat(results.get(3)).isEqualTo(new WriteResult.Conflict(none(), 1));
        assertThat(results.get(4)).isInstanceOfSatisfying(WriteResult.Written.class,
                w -> assertThat(w.firstSequenceNr()).isEqualTo(2));
        assertThat(texts(journal.read(a, 1, MAX_SEQ, MAX))).containsExactly("e1", "a2");
        assertThat(texts(journal.read(b, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2");
        assertThat(texts(journal.read(c, 1, MAX_SEQ, MAX))).containsExactly("c1", "c2");
        assertThat(texts(journal.read(d, 1, MAX_SEQ, MAX))).containsExactly("e1", "d2");
    }

    // ------------------------------------------------------------------------------------ global positions

    @Test
    void global_positions_are_unique_and_increase_across_streams() {
        String a = freshId("a");
        String b = freshId("b");
        String c = freshId("c");
        long before = journal.highestGlobalPosition();

        List<long[]> written = new ArrayList<>();
        written.add(appendOne(write(a, none(), "a1", "a2")).globalPositions());
        written.add(appendOne(write(b, none(), "b1")).globalPositions());
        for (WriteResult r : journal.append(List.of(
                write(c, none(), "c1"), write(a, exactly(2), "a3"), write(b, exactly(1), "b2", "b3")))) {
            assertThat(r).isInstanceOf(WriteResult.Written.class);
            written.add(((WriteResult.Written) r).globalPositions());
        }

        List<Long> all = concat(written.toArray(long[][]::new));
        assertThat(all).hasSize(7).doesNotHaveDuplicates().isSorted();
        assertThat(all.getFirst()).as("the first position after highestGlobalPosition() " + before)
                .isGreaterThan(before);
        assertThat(journal.highestGlobalPosition()).isGreaterThanOrEqualTo(all.getLast());
    }

    @Test
    void read_all_returns_the_positions_that_append_returned() {
        String a = freshId("a");
        String b = freshId("b");
        long[] a1 = appendOne(write(a, none(), "a1", "a2")).globalPositions();
        long[] b1 = appendOne(write(b, none(), "b1")).globalPositions();
        long[] a2 = appendOne(write(a, exactly(2), "a3")).globalPositions();

        List<StoredEvent> read = readAllOf(Set.of(a, b), a1[0]);

        assertThat(positions(read)).containsExactlyElementsOf(concat(a1, b1, a2));
        assertThat(texts(read)).containsExactly("a1", "a2", "b1", "a3");
        assertThat(sequenceNrs(read)).containsExactly(1L, 2L, 1L, 3L);
        assertThat(read).extracting(StoredEvent::persistenceId).containsExactly(a, a, b, a);
    }

    @Test
    void read_all_starts_at_the_given_position() {
        String id = freshId("from");
        long[] p = appendOne(write(id, none(), "e1", "e2", "e3", "e4")).globalPositions();

        assertThat(texts(readAllOf(Set.of(id), p[2]))).containsExactly("e3", "e4");
        assertThat(texts(readAllOf(Set.of(id), p[3]))).containsExactly("e4");
        assertThat(readAllOf(Set.of(id), p[3] + 1)).isEmpty();
        assertThat(journal.readAll(p[1], 1)).singleElement().satisfies(e -> {
            assertThat(e.globalPosition()).isEqualTo(p[1]);
            assertThat(Samples.text(e)).isEqualTo("e2");
        });
    }

    @Test
    void read_all_returns_at_most_max_events() {
        String id = freshId("max");
        long[] p = appendOne(write(id, none(), "e1", "e2", "e3")).globalPositions();

        List<StoredEvent> two = journal.readAll(p[0], 2);

        assertThat(two).hasSize(2);
        assertThat(two.getFirst().globalPosition()).isEqualTo(p[0]);
        assertThat(positions(two)).isSorted().doesNotHaveDuplicates();
        assertThat(journal.readAll(p[0], 0)).isEmpty();
    }

    @Test
    void read_all_and_read_by_tag_skip_deleted_events() {
        String id = freshId("deleted");
        String tag = freshTag();
        long[] p = appendOne(new AtomicWrite(id, none(),
                List.of(event("e1", tag), event("e2", tag), event("e3", tag)))).globalPositions();

        journal.deleteUpTo(id, 2);

        assertThat(texts(readAllOf(Set.of(id), p[0]))).containsExactly("e3");
        assertThat(texts(journal.readByTag(tag, 0, MAX))).containsExactly("e3");
    }

    @Test
    void highest_global_position_covers_every_position_written() {
        long before = journal.highestGlobalPosition();
        String id = freshId("highest");

        long[] p = appendOne(write(id, none(), "e1", "e2")).globalPositions();

        assertThat(p[0]).isGreaterThan(before);
        assertThat(journal.highestGlobalPosition()).isGreaterThanOrEqualTo(p[1]);
    }

    // ------------------------------------------------------------------------------------ tags

    @Test
    void reads_only_events_carrying_the_tag_in_position_order() {
        String a = freshId("a");
        String b = freshId("b");
        String red = freshTag();
        String blue = freshTag();
        appendOne(new AtomicWrite(a, none(), List.of(event("a1", red), event("a2"), event("a3", blue))));
        appendOne(new AtomicWrite(b, none(), List.of(event("b1", red, blue), event("b2", blue))));
        appendOne(new AtomicWrite(a, exactly(3), List.of(event("a4", red))));

        List<StoredEvent> reds = journal.readByTag(red, 0, MAX);

        assertThat(texts(reds)).containsExactly("a1", "b1", "a4");
        assertThat(positions(reds)).isSorted().doesNotHaveDuplicates();
        assertThat(reds).allSatisfy(e -> assertThat(e.tags()).contains(red));
        assertThat(texts(journal.readByTag(blue, 0, MAX))).containsExactly("a3", "b1", "b2");
        assertThat(journal.readByTag(freshTag(), 0, MAX)).as("a tag nobody used").isEmpty();
    }

    @Test
    void reads_by_tag_from_a_position() {
        String id = freshId("tag-from");
        String tag = freshTag();
        long[] p = appendOne(new AtomicWrite(id, none(),
                List.of(event("e1", tag), event("e2"), event("e3", tag), event("e4", tag)))).globalPositions();

        assertThat(texts(journal.readByTag(tag, p[2], MAX))).containsExactly("e3", "e4");
        assertThat(texts(journal.readByTag(tag, p[0] + 1, MAX))).as("from a position between tagged events")
                .containsExactly("e3", "e4");
        assertThat(journal.readByTag(tag, p[3] + 1, MAX)).isEmpty();
    }

    @Test
    void reads_by_tag_at_most_max_events() {
        String id = freshId("tag-max");
        String tag = freshTag();
        appendOne(new AtomicWrite(id, none(), List.of(event("e1", tag), event("e2", tag), event("e3", tag))));

        assertThat(texts(journal.readByTag(tag, 0, 2))).containsExactly("e1", "e2");
        assertThat(texts(journal.readByTag(tag, 0, 1))).containsExactly("e1");
        assertThat(journal.readByTag(tag, 0, 0)).isEmpty();
    }

    // ------------------------------------------------------------------------------------ persistence ids

    @Test
    void lists_persistence_ids_in_code_point_order_strictly_after_the_given_id() {
        String prefix = freshId("ids");
        // Upper case sorts before lower case, unlike in most locale collations; a character outside the
        // BMP sorts after every BMP character, unlike in String.compareTo.
        List<String> ordered = List.of(prefix + "-B", prefix + "-a", prefix + "-b", prefix + "-\uFF5E", prefix + "-😀");
        for (String id : List.of(ordered.get(2), ordered.get(4), ordered.get(0), ordered.get(3), ordered.get(1))) {
            appendOne(write(id, none(), "e1"));
        }

        assertThat(journal.persistenceIds(prefix, 5)).containsExactlyElementsOf(ordered);
        assertThat(journal.persistenceIds(ordered.get(0), 2)).containsExactly(ordered.get(1), ordered.get(2));
        assertThat(journal.persistenceIds(ordered.get(2), 2)).containsExactly(ordered.get(3), ordered.get(4));
        assertThat(journal.persistenceIds(ordered.get(4), 10)).doesNotContainAnyElementsOf(ordered)
                .allSatisfy(id -> assertThat(id.startsWith(prefix)).as("%s follows the ids of this test", id).isFalse());
    }

    @Test
    void lists_at_most_max_persistence_ids() {
        String prefix = freshId("ids-max");
        for (String suffix : List.of("-1", "-2", "-3")) appendOne(write(prefix + suffix, none(), "e1"));

        assertThat(journal.persistenceIds(prefix, 2)).containsExactly(prefix + "-1", prefix + "-2");
        assertThat(journal.persistenceIds(prefix, 0)).isEmpty();
    }

    @Test
    void lists_a_persistence_id_whose_events_were_all_deleted() {
        String id = streamOf(2);
        journal.deleteUpTo(id, Long.MAX_VALUE);

        assertThat(journal.persistenceIds(id.substring(0, id.length() - 1), 1)).containsExactly(id);
    }

    @Test
    void accepts_the_longest_persistence_id_with_any_non_control_characters() {
        String prefix = freshId("long");
        String longest = Samples.longestId(prefix);

        appendOne(write(longest, none(), "e1", "e2"));

        assertThat(texts(journal.read(longest, 1, MAX_SEQ, MAX))).containsExactly("e1", "e2");
        assertThat(journal.highestSequenceNr(longest)).isEqualTo(2);
        assertThat(journal.persistenceIds(prefix, 1)).containsExactly(longest);
    }

    // ------------------------------------------------------------------------------------ live readers

    @Test
    @Timeout(60)
    void await_returns_promptly_when_another_thread_appends() throws Exception {
        long before = journal.highestGlobalPosition();
        String id = freshId("await");
        Thread writer = Thread.ofPlatform().start(() -> {
            sleep(200);
            appendOne(write(id, none(), "e1"));
        });

        long started = System.nanoTime();
        long returned = journal.awaitGlobalPosition(before, Duration.ofSeconds(30));
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        writer.join();

        assertThat(returned).isGreaterThan(before);
        assertThat(waited).as("time until await returned").isLessThan(Duration.ofSeconds(10));
        assertThat(journal.read(id, 1, MAX_SEQ, MAX)).hasSize(1);
    }

    @Test
    @Timeout(60)
    void await_returns_at_once_when_a_later_position_is_already_visible() throws Exception {
        long[] p = appendOne(write(freshId("await"), none(), "e1")).globalPositions();

        long started = System.nanoTime();
        long returned = journal.awaitGlobalPosition(p[0] - 1, Duration.ofSeconds(30));

        assertThat(returned).isGreaterThanOrEqualTo(p[0]);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    @Timeout(60)
    void await_returns_at_or_below_the_position_when_the_timeout_passes() throws Exception {
        long far = journal.highestGlobalPosition() + 1_000_000_000L;
        Duration timeout = Duration.ofMillis(300);

        long started = System.nanoTime();
        long returned = journal.awaitGlobalPosition(far, timeout);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);

        assertThat(returned).isLessThanOrEqualTo(far);
        assertThat(waited).as("time await waited").isGreaterThanOrEqualTo(timeout.minusMillis(5));
    }

    @Test
    @Timeout(60)
    void await_is_interruptible() throws Exception {
        long far = journal.highestGlobalPosition() + 1_000_000_000L;
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            waiting.countDown();
            try {
                journal.awaitGlobalPosition(far, Duration.ofSeconds(30));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        waiting.await();
        sleep(100);

        reader.interrupt();
        reader.join(Duration.ofSeconds(10));

        assertThat(reader.isAlive()).as("reader still waiting 10 s after its interrupt").isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    // ------------------------------------------------------------------------------------ payloads

    @Test
    void round_trips_manifest_schema_version_bytes_tags_and_timestamp_exactly() {
        String id = freshId("round-trip");
        String tag = freshTag();
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) everyByte[i] = (byte) i;
        byte[] random = new byte[10_000];
        new Random(42).nextBytes(random);
        List<EventData> data = List.of(
                new EventData(new Payload.Serialized("com.example.Deposited", 3, everyByte),
                        Set.of(tag, "ü-日本-" + tag, "with space " + tag), now()),
                new EventData(new Payload.Serialized("e", 1, new byte[0]), Set.of(),
                        Instant.parse("1969-12-31T23:59:59.999999Z")),
                new EventData(new Payload.Serialized("événement.Créé/v😀", Integer.MAX_VALUE, random), Set.of(tag),
                        Instant.parse("2999-12-31T23:59:59.999999Z")),
                new EventData(new Payload.Serialized("x", 2, "{}".getBytes(StandardCharsets.UTF_8)), Set.of(tag),
                        Instant.parse("1900-01-01T00:00:00.000001Z")));

        long[] p = appendOne(new AtomicWrite(id, none(), data)).globalPositions();

        List<StoredEvent> expected = IntStream.range(0, data.size())
                .mapToObj(i -> new StoredEvent(id, i + 1, p[i], data.get(i).timestamp(), data.get(i).tags(),
                        data.get(i).payload()))
                .toList();
        assertThat(journal.read(id, 1, MAX_SEQ, MAX)).containsExactlyElementsOf(expected);
        assertThat(readAllOf(Set.of(id), p[0])).containsExactlyElementsOf(expected);
        assertThat(journal.readByTag(tag, p[0], MAX))
                .containsExactly(expected.get(0), expected.get(2), expected.get(3));
    }

    @Test
    void a_caller_cannot_change_stored_bytes_through_the_array_it_passed_in() {
        String id = freshId("bytes-in");
        byte[] bytes = {1, 2, 3};
        appendOne(new AtomicWrite(id, none(),
                List.of(new EventData(new Payload.Serialized("m", 1, bytes), Set.of(), now()))));

        bytes[0] = 99;

        assertThat(storedBytes(id)).containsExactly(1, 2, 3);
    }

    @Test
    void a_caller_cannot_change_stored_bytes_through_the_array_it_got_back() {
        String id = freshId("bytes-out");
        String tag = freshTag();
        long[] p = appendOne(new AtomicWrite(id, none(),
                List.of(new EventData(new Payload.Serialized("m", 1, new byte[] {1, 2, 3}), Set.of(tag), now()))))
                .globalPositions();

        bytesOf(journal.read(id, 1, MAX_SEQ, MAX).getFirst())[0] = 99;
        bytesOf(journal.readAll(p[0], 1).getFirst())[1] = 99;
        bytesOf(journal.readByTag(tag, 0, MAX).getFirst())[2] = 99;

        assertThat(storedBytes(id)).containsExactly(1, 2, 3);
    }

    // ------------------------------------------------------------------------------------ concurrency

    @Test
    @Timeout(120)
    void concurrent_appends_to_distinct_streams_all_land_with_contiguous_numbers() throws Exception {
        int threads = 8;
        int appends = 200;
        String prefix = freshId("parallel");
        Set<Long> positions = ConcurrentHashMap.newKeySet();
        runInParallel(threads, t -> {
            String id = prefix + "-" + t;
            for (int i = 0; i < appends; i++) {
                WriteResult.Written w = appendOne(write(id, any(), t + ":" + (i + 1)));
                assertThat(w.firstSequenceNr()).isEqualTo(i + 1);
                positions.add(w.globalPositions()[0]);
            }
        });

        assertThat(positions).as("distinct global positions").hasSize(threads * appends);
        for (int t = 0; t < threads; t++) {
            String id = prefix + "-" + t;
            List<StoredEvent> events = journal.read(id, 1, MAX_SEQ, MAX);
            assertThat(sequenceNrs(events)).containsExactlyElementsOf(LongStream.rangeClosed(1, appends).boxed().toList());
            int thread = t;
            assertThat(texts(events)).containsExactlyElementsOf(
                    IntStream.rangeClosed(1, appends).mapToObj(i -> thread + ":" + i).toList());
            assertThat(positions(events)).isSorted();
        }
    }

    @Test
    @Timeout(120)
    void concurrent_exact_appends_to_one_stream_let_exactly_one_writer_win_each_number() throws Exception {
        int threads = 8;
        int events = 200;
        String id = freshId("contended");
        List<ConcurrentLinkedQueue<String>> winners = IntStream.range(0, events)
                .mapToObj(i -> new ConcurrentLinkedQueue<String>()).toList();
        runInParallel(threads, t -> {
            long highest = 0;
            while (highest < events) {
                String text = "t" + t + "@" + (highest + 1);
                WriteResult r = journal.append(List.of(write(id, exactly(highest), text))).getFirst();
                switch (r) {
                    case WriteResult.Written w -> {
                        assertThat(w.firstSequenceNr()).isEqualTo(highest + 1);
                        winners.get((int) highest).add(text);
                        highest++;
                    }
                    case WriteResult.Conflict c -> {
                        assertThat(c.actual()).as("actual of a conflict after expecting " + highest)
                                .isGreaterThan(highest);
                        highest = c.actual();
                    }
                    case WriteResult.Rejected rejected -> fail("rejected: " + rejected.reason());
                }
            }
        });

        List<StoredEvent> stream = journal.read(id, 1, MAX_SEQ, MAX);
        assertThat(sequenceNrs(stream)).containsExactlyElementsOf(LongStream.rangeClosed(1, events).boxed().toList());
        for (int n = 0; n < events; n++) {
            assertThat(winners.get(n)).as("writers that won sequence number " + (n + 1)).hasSize(1);
            assertThat(Samples.text(stream.get(n))).isEqualTo(winners.get(n).peek());
        }
        assertThat(journal.highestSequenceNr(id)).isEqualTo(events);
    }

    @Test
    @Timeout(120)
    void a_reader_following_read_all_misses_no_event_during_concurrent_appends() throws Exception {
        int threads = 4;
        int appends = 100;
        String prefix = freshId("follow");
        Set<String> ids = new HashSet<>();
        for (int t = 0; t < threads; t++) ids.add(prefix + "-" + t);
        Set<Long> written = ConcurrentHashMap.newKeySet();
        long from = journal.highestGlobalPosition() + 1;
        List<Long> seen = new ArrayList<>();

        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String id = prefix + "-" + t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < appends; i++) {
                        for (long p : appendOne(write(id, any(), "e" + i)).globalPositions()) written.add(p);
                    }
                    return null;
                }));
            }
            while (true) {
                boolean done = writers.stream().allMatch(Future::isDone);
                List<StoredEvent> page = journal.readAll(from, 50);
                for (StoredEvent e : page) {
                    assertThat(e.globalPosition()).as("position read from " + from).isGreaterThanOrEqualTo(from);
                    if (ids.contains(e.persistenceId())) seen.add(e.globalPosition());
                }
                if (!page.isEmpty()) from = page.getLast().globalPosition() + 1;
                else if (done) break;
            }
            for (Future<?> w : writers) w.get();
        }

        assertThat(seen).as("positions a reader saw while following").isSorted()
                .containsExactlyInAnyOrderElementsOf(written);
    }

    @Test
    @Timeout(120)
    void concurrent_readers_never_see_part_of_an_atomic_write() throws Exception {
        int writers = 4;
        int writes = 25;
        int eventsPerWrite = 4;
        String prefix = freshId("atomic");
        String tag = freshTag();
        List<String> ids = IntStream.range(0, writers).mapToObj(t -> prefix + "-" + t).toList();
        long from = journal.highestGlobalPosition() + 1;
        List<String> torn = new ArrayList<>();

        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> running = new ArrayList<>();
            for (String id : ids) {
                running.add(pool.submit(() -> {
                    for (int i = 0; i < writes; i++) {
                        List<EventData> batch = IntStream.range(0, eventsPerWrite).mapToObj(j -> event("e", tag)).toList();
                        appendOne(new AtomicWrite(id, any(), batch));
                    }
                    return null;
                }));
            }
            boolean done = false;
            while (!done) {
                done = running.stream().allMatch(Future::isDone);
                for (String id : ids) {
                    int count = journal.read(id, 1, MAX_SEQ, MAX).size();
                    if (count % eventsPerWrite != 0) torn.add("read of " + id + " saw " + count + " events");
                }
                Map<String, Long> perStream = readAllOf(Set.copyOf(ids), from).stream()
                        .collect(Collectors.groupingBy(StoredEvent::persistenceId, Collectors.counting()));
                perStream.forEach((id, count) -> {
                    if (count % eventsPerWrite != 0) torn.add("readAll saw " + count + " events of " + id);
                });
                int tagged = journal.readByTag(tag, 0, MAX).size();
                if (tagged % eventsPerWrite != 0) torn.add("readByTag saw " + tagged + " events");
            }
            for (Future<?> w : running) w.get();
        }

        assertThat(torn).as("reads that saw part of an atomic write").isEmpty();
        for (String id : ids) assertThat(journal.read(id, 1, MAX_SEQ, MAX)).hasSize(writes * eventsPerWrite);
    }

    // ------------------------------------------------------------------------------------ bad input and lifecycle

    @Test
    void a_negative_max_is_rejected() {
        String id = streamOf(1);

        assertThatThrownBy(() -> journal.read(id, 1, MAX_SEQ, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> journal.readAll(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> journal.readByTag("tag", 1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> journal.persistenceIds("", -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void an_invalid_persistence_id_is_rejected_before_reaching_the_store() {
        List<EventData> events = List.of(event("e1"));
        for (String bad : Arrays.asList(null, "", "   ", "a\u0000b", "line\nbreak", "x".repeat(PersistenceIds.MAX_LENGTH + 1))) {
            assertThatThrownBy(() -> new AtomicWrite(bad, any(), events)).as("persistence id %s", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void every_call_after_close_throws_illegal_state_exception() throws Exception {
        Store other = openStore();
        assertThat(other).as("openStore() must return a new store each time").isNotSameAs(store);
        EventJournal closed = other.journal();
        other.close();
        String id = freshId("closed");

        assertThatThrownBy(() -> closed.append(List.of(write(id, any(), "e1")))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.read(id, 1, MAX_SEQ, MAX)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.highestSequenceNr(id)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.deleteUpTo(id, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.readAll(1, MAX)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.readByTag("tag", 1, MAX)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.persistenceIds("", MAX)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(closed::highestGlobalPosition).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.awaitGlobalPosition(0, Duration.ofMillis(10)))
                .isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------------------------ fixture

    /** A fresh stream with events "e1".."e{count}", appended one at a time with exact expectations. */
    private String streamOf(int count) {
        String id = freshId("stream");
        for (int i = 1; i <= count; i++) {
            assertThat(appendOne(write(id, exactly(i - 1), "e" + i)).firstSequenceNr()).isEqualTo(i);
        }
        return id;
    }

    private WriteResult.Written appendOne(AtomicWrite write) {
        List<WriteResult> results = journal.append(List.of(write));
        assertThat(results).as("results of one write").hasSize(1);
        assertThat(results.getFirst()).as("result of appending to '%s'", write.persistenceId())
                .isInstanceOf(WriteResult.Written.class);
        WriteResult.Written written = (WriteResult.Written) results.getFirst();
        assertThat(written.globalPositions()).as("global positions of a write")
                .hasSize(write.events().size()).isSorted().doesNotHaveDuplicates();
        return written;
    }

    /** The events of the given streams from {@code from} on, read page by page to the end of the journal. */
    private List<StoredEvent> readAllOf(Set<String> ids, long from) {
        List<StoredEvent> out = new ArrayList<>();
        long next = from;
        while (true) {
            List<StoredEvent> page = journal.readAll(next, 1000);
            if (page.isEmpty()) return out;
            for (StoredEvent e : page) {
                assertThat(e.globalPosition()).as("position read from " + next).isGreaterThanOrEqualTo(next);
                if (ids.contains(e.persistenceId())) out.add(e);
            }
            next = page.getLast().globalPosition() + 1;
        }
    }

    private byte[] storedBytes(String id) {
        return bytesOf(journal.read(id, 1, MAX_SEQ, MAX).getFirst());
    }

    private static byte[] bytesOf(StoredEvent event) {
        return ((Payload.Serialized) event.payload()).bytes();
    }

    private static List<Long> concat(long[]... arrays) {
        return Arrays.stream(arrays).flatMapToLong(Arrays::stream).boxed().toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private interface ThreadBody {
        void run(int thread) throws Exception;
    }

    /** Runs {@code body} on {@code threads} threads started together and rethrows the first failure. */
    private static void runInParallel(int threads, ThreadBody body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                try {
                    f.get(100, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) throw error;
                    throw e;
                }
            }
        }
    }
}
