package io.perpetua.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * A jqwik property that runs random sequences of journal operations against the store and against a
 * simple model, and demands the same observable result after every step: appends of one to three
 * writes per call with {@code any}, {@code none} and right or wrong {@code exactly} expectations, one
 * to five events each and random tags; deletes up to random sequence numbers; reads with random
 * ranges and max counts; reads by tag and reads of the global log from positions seen. After each
 * step it also compares every stream, its highest sequence number, every tag and the persistence ids.
 * A subclass opens the store:
 *
 * <pre>{@code
 * class MyJournalModelPropertiesTest extends JournalModelProperties {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>jqwik runs the inherited property; the subclass declares nothing else. {@link #openStore()} is
 * called once per property and the store is closed after it. Each try uses fresh persistence ids and
 * tags, so the store may hold other data, and global positions are compared only among the events of
 * the try: the read of the global log is checked against the model within the range of positions it
 * covers. The property makes 100 tries of up to 40 operations.
 */
public abstract class JournalModelProperties {

    private Store store;

    /** For subclasses, one per store. */
    protected JournalModelProperties() {}

    /**
     * Opens the store under test, once per property; it is closed after the property.
     *
     * @return a newly opened store
     * @throws Exception if the store cannot be opened, which fails the property
     */
    protected abstract Store openStore() throws Exception;

    @BeforeProperty
    final void openTheStore() throws Exception {
        store = openStore();
    }

    @AfterProperty
    final void closeTheStore() {
        if (store != null) store.close();
    }

    @Property(tries = 100, edgeCases = EdgeCasesMode.NONE)
    void the_journal_gives_the_same_results_as_a_simple_model(@ForAll("operations") List<Operation> operations) {
        Model model = new Model(store.journal());
        for (int step = 0; step < operations.size(); step++) {
            model.run(operations.get(step), "step " + (step + 1) + " of " + operations.size() + ", "
                    + operations.get(step));
        }
    }

    @Provide
    Arbitrary<List<Operation>> operations() {
        Arbitrary<Integer> stream = Arbitraries.integers().between(0, Model.STREAMS - 1);
        Arbitrary<Set<Integer>> tags = Arbitraries.integers().between(0, Model.TAGS - 1).set().ofMaxSize(Model.TAGS);
        Arbitrary<Write> write = Combinators.combine(stream, Arbitraries.of(Expect.class),
                        Arbitraries.integers().between(-3, 3).filter(i -> i != 0), tags.list().ofMinSize(1).ofMaxSize(5))
                .as(Write::new);
        Arbitrary<Long> sequenceNr = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(0, 25)), Tuple.of(1, Arbitraries.just(Long.MAX_VALUE)));
        Arbitrary<Integer> max = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0, 6)), Tuple.of(1, Arbitraries.just(Integer.MAX_VALUE)));
        Arbitrary<Integer> fromIndex = Arbitraries.integers().between(0, 60);

        Arbitrary<Operation> append = write.list().ofMinSize(1).ofMaxSize(3).map(Append::new);
        Arbitrary<Operation> delete = Combinators.combine(stream, sequenceNr).as(Delete::new);
        Arbitrary<Operation> read = Combinators.combine(stream, sequenceNr, sequenceNr, max).as(Read::new);
        Arbitrary<Operation> readByTag = Combinators.combine(Arbitraries.integers().between(0, Model.TAGS - 1),
                fromIndex, max).as(ReadByTag::new);
        Arbitrary<Operation> readAll = Combinators.combine(fromIndex, Arbitraries.integers().between(0, 8))
                .as(ReadAll::new);
        return Arbitraries.frequencyOf(Tuple.of(6, append), Tuple.of(2, delete), Tuple.of(2, read),
                        Tuple.of(1, readByTag), Tuple.of(1, readAll))
                .list().ofMinSize(1).ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform());
    }

    // ------------------------------------------------------------------------------------ operations

    /** One step of a try. */
    sealed interface Operation {}

    /** How a write states its expectation: {@code RIGHT} and {@code WRONG} are exact, relative to the model. */
    enum Expect { ANY, NONE, RIGHT, WRONG }

    /** One atomic write to stream {@code stream}, one event per entry of {@code tags}. */
    record Write(int stream, Expect expect, int wrongBy, List<Set<Integer>> tags) {}

    /** One append call with its writes. */
    record Append(List<Write> writes) implements Operation {}

    /** {@code deleteUpTo(stream, toSequenceNr)}. */
    record Delete(int stream, long toSequenceNr) implements Operation {}

    /** {@code read(stream, from, to, max)}. */
    record Read(int stream, long fromSequenceNr, long toSequenceNr, int max) implements Operation {}

    /** {@code readByTag} from 0 ({@code fromIndex == 0}) or from a position this try wrote. */
    record ReadByTag(int tag, int fromIndex, int max) implements Operation {}

    /** {@code readAll} from a position this try wrote (or 0 before it wrote any). */
    record ReadAll(int fromIndex, int max) implements Operation {}

    // ------------------------------------------------------------------------------------ model

    /** The expected state of one try's streams, and the comparison of every result with the store's. */
    private static final class Model {
        static final int STREAMS = 3;
        static final int TAGS = 2;

        private final EventJournal journal;
        private final String prefix = Samples.freshId("model");
        private final List<String> ids = List.of(prefix + "-0", prefix + "-1", prefix + "-2");
        private final List<String> tags = List.of(Samples.freshTag(), Samples.freshTag());
        private final Map<String, Long> highest = new HashMap<>();
        private final Map<String, Long> deletedUpTo = new HashMap<>();
        /** Every event this try wrote, deleted or not, in global position order. */
        private final List<StoredEvent> written = new ArrayList<>();
        private long lastPosition;
        private int counter;

        Model(EventJournal journal) {
            this.journal = journal;
        }

        void run(Operation operation, String step) {
            switch (operation) {
                case Append append -> append(append, step);
                case Delete delete -> {
                    String id = ids.get(delete.stream());
                    journal.deleteUpTo(id, delete.toSequenceNr());
                    long to = Math.min(delete.toSequenceNr(), highest(id));
                    deletedUpTo.put(id, Math.max(deletedUpTo(id), to));
                }
                case Read read -> {
                    String id = ids.get(read.stream());
                    assertThat(journal.read(id, read.fromSequenceNr(), read.toSequenceNr(), read.max())).as(step)
                            .containsExactlyElementsOf(live(id, read.fromSequenceNr(), read.toSequenceNr(), read.max()));
                }
                case ReadByTag byTag -> {
                    String tag = tags.get(byTag.tag());
                    long from = byTag.fromIndex() == 0 ? 0 : positionAt(byTag.fromIndex());
                    assertThat(journal.readByTag(tag, from, byTag.max())).as(step)
                            .containsExactlyElementsOf(taggedFrom(tag, from, byTag.max()));
                }
                case ReadAll readAll -> checkReadAll(positionAt(readAll.fromIndex()), readAll.max(), step);
            }
            checkEverything(step);
        }

        private void append(Append append, String step) {
            List<AtomicWrite> writes = new ArrayList<>();
            List<WriteResult> expected = new ArrayList<>();
            Map<String, Long> highestDuringCall = new HashMap<>();
            for (Write w : append.writes()) {
                String id = ids.get(w.stream());
                long current = highestDuringCall.getOrDefault(id, highest(id));
                ExpectedSequence expectation = switch (w.expect()) {
                    case ANY -> ExpectedSequence.any();
                    case NONE -> ExpectedSequence.none();
                    case RIGHT -> ExpectedSequence.exactly(current);
                    case WRONG -> ExpectedSequence.exactly(
                            current + w.wrongBy() >= 0 ? current + w.wrongBy() : current + Math.abs(w.wrongBy()));
                };
                List<EventData> events = w.tags().stream()
                        .map(t -> new EventData(new Payload.Serialized("model.Event", 1 + counter % 3,
                                ("event-" + counter++).getBytes(StandardCharsets.UTF_8)),
                                t.stream().map(tags::get).collect(Collectors.toSet()), Samples.now()))
                        .toList();
                writes.add(new AtomicWrite(id, expectation, events));
                boolean matches = switch (w.expect()) {
                    case ANY -> true;
                    case NONE -> current == 0;
                    case RIGHT -> true;
                    case WRONG -> false;
                };
                if (matches) {
                    expected.add(new WriteResult.Written(current + 1, new long[0]));
                    highestDuringCall.put(id, current + events.size());
                } else {
                    expected.add(new WriteResult.Conflict(expectation, current));
                }
            }

            List<WriteResult> results = journal.append(writes);

            assertThat(results).as(step + ": number of results").hasSize(writes.size());
            for (int i = 0; i < writes.size(); i++) {
                AtomicWrite write = writes.get(i);
                WriteResult result = results.get(i);
                String what = step + ": result of write " + (i + 1);
                if (expected.get(i) instanceof WriteResult.Written w) {
                    assertThat(result).as(what).isInstanceOf(WriteResult.Written.class);
                    WriteResult.Written actual = (WriteResult.Written) result;
                    assertThat(actual.firstSequenceNr()).as(what + ": first sequence number").isEqualTo(w.firstSequenceNr());
                    long[] positions = actual.globalPositions();
                    assertThat(positions).as(what + ": global positions").hasSize(write.events().size())
                            .isSorted().doesNotHaveDuplicates();
                    assertThat(positions[0]).as(what + ": first position, after every position of earlier writes")
                            .isGreaterThan(lastPosition);
                    lastPosition = positions[positions.length - 1];
                    for (int j = 0; j < positions.length; j++) {
                        EventData e = write.events().get(j);
                        written.add(new StoredEvent(write.persistenceId(), w.firstSequenceNr() + j, positions[j],
                                e.timestamp(), e.tags(), e.payload()));
                    }
                    highest.put(write.persistenceId(), w.firstSequenceNr() + positions.length - 1);
                } else {
                    assertThat(result).as(what).isEqualTo(expected.get(i));
                }
            }
        }

        /** The global log from {@code from}: exact within the positions the store's answer covers. */
        private void checkReadAll(long from, int max, String step) {
            List<StoredEvent> page = journal.readAll(from, max);
            assertThat(page.size()).as(step + ": size of readAll(%d, %d)", from, max).isLessThanOrEqualTo(max);
            assertThat(page).as(step + ": positions of readAll(%d, %d)", from, max)
                    .allSatisfy(e -> assertThat(e.globalPosition()).isGreaterThanOrEqualTo(from))
                    .extracting(StoredEvent::globalPosition).isSorted().doesNotHaveDuplicates();
            long upTo = !page.isEmpty() && page.size() == max ? page.getLast().globalPosition() : Long.MAX_VALUE;
            List<StoredEvent> ours = page.stream().filter(e -> ids.contains(e.persistenceId())).toList();
            List<StoredEvent> expected = written.stream()
                    .filter(e -> e.globalPosition() >= from && e.globalPosition() <= upTo && !deleted(e))
                    .limit(max)
                    .toList();
            assertThat(ours).as(step + ": readAll(%d, %d) restricted to this try's streams", from, max)
                    .containsExactlyElementsOf(expected);
        }

        private void checkEverything(String step) {
            for (String id : ids) {
                assertThat(journal.highestSequenceNr(id)).as(step + ": highest sequence number of " + id)
                        .isEqualTo(highest(id));
                assertThat(journal.read(id, 0, Long.MAX_VALUE, Integer.MAX_VALUE)).as(step + ": stream " + id)
                        .containsExactlyElementsOf(live(id, 0, Long.MAX_VALUE, Integer.MAX_VALUE));
            }
            for (String tag : tags) {
                assertThat(journal.readByTag(tag, 0, Integer.MAX_VALUE)).as(step + ": events tagged " + tag)
                        .containsExactlyElementsOf(taggedFrom(tag, 0, Integer.MAX_VALUE));
            }
            List<String> everWritten = ids.stream().filter(id -> highest(id) > 0).toList();
            assertThat(journal.persistenceIds(prefix, STREAMS).stream().filter(id -> id.startsWith(prefix)).toList())
                    .as(step + ": persistence ids").containsExactlyElementsOf(everWritten);
        }

        private List<StoredEvent> live(String id, long from, long to, int max) {
            return written.stream()
                    .filter(e -> e.persistenceId().equals(id) && e.sequenceNr() >= from && e.sequenceNr() <= to
                            && !deleted(e))
                    .limit(max)
                    .toList();
        }

        private List<StoredEvent> taggedFrom(String tag, long from, int max) {
            return written.stream()
                    .filter(e -> e.tags().contains(tag) && e.globalPosition() >= from && !deleted(e))
                    .limit(max)
                    .toList();
        }

        private boolean deleted(StoredEvent e) {
            return e.sequenceNr() <= deletedUpTo(e.persistenceId());
        }

        /** A position this try wrote, picked by {@code index}, or 0 if it wrote none yet. */
        private long positionAt(int index) {
            return written.isEmpty() ? 0 : written.get(index % written.size()).globalPosition();
        }

        private long highest(String id) {
            return highest.getOrDefault(id, 0L);
        }

        private long deletedUpTo(String id) {
            return deletedUpTo.getOrDefault(id, 0L);
        }
    }
}
