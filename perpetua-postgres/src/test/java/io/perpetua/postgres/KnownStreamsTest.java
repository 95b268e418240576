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
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A store remembers the highest sequence number of the streams it wrote and, while no one else has
 * appended since its own last append, writes without looking them up (and takes a stream it does
 * not know, whose first write expects no event, for new). These tests make what it remembers wrong
 * in every way another node or a restart can, and check that the answers stay those of a store that
 * looks everything up.
 */
class KnownStreamsTest {

    private static final String URI = TestDatabase.uri(TestDatabase.freshSchema());

    @Test
    void another_node_writing_a_stream_this_store_knows_is_seen() {
        try (Store a = Stores.open(URI); Store b = Stores.open(URI)) {
            String x = "known-x-" + System.nanoTime();
            assertThat(append(a, x, ExpectedSequence.none())).isInstanceOf(WriteResult.Written.class);
            assertThat(append(a, x, ExpectedSequence.exactly(1))).isEqualTo(written(a, x, 2));
            assertThat(append(b, x, ExpectedSequence.exactly(2))).isEqualTo(written(b, x, 3));
            // a remembers 2, but b has written 3 since
            assertThat(append(a, x, ExpectedSequence.exactly(2))).isEqualTo(new WriteResult.Conflict(ExpectedSequence.exactly(2), 3));
            assertThat(append(b, x, ExpectedSequence.exactly(3))).isEqualTo(written(b, x, 4));
            // a remembers 3 now, the stream is at 4: the write a thinks conflicts does not
            assertThat(append(a, x, ExpectedSequence.exactly(4))).isEqualTo(written(a, x, 5));
            assertThat(append(a, x, ExpectedSequence.exactly(5))).isEqualTo(written(a, x, 6));
            assertThat(a.journal().read(x, 1, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        }
    }

    @Test
    void a_stream_taken_for_new_that_exists_is_a_conflict() {
        String z = "known-z-" + System.nanoTime();
        String deleted = "known-deleted-" + System.nanoTime();
        try (Store before = Stores.open(URI)) {
            append(before, z, ExpectedSequence.none());
            append(before, z, ExpectedSequence.exactly(1));
            append(before, deleted, ExpectedSequence.none());
            append(before, deleted, ExpectedSequence.exactly(1));
            before.journal().deleteUpTo(deleted, Long.MAX_VALUE);
        }
        try (Store restarted = Stores.open(URI)) {
            // a first append, so that the store knows where the position is and writes without the lock
            append(restarted, "known-other-" + System.nanoTime(), ExpectedSequence.none());
            EventJournal journal = restarted.journal();
            assertThat(append(restarted, z, ExpectedSequence.none())).isEqualTo(new WriteResult.Conflict(ExpectedSequence.none(), 2));
            assertThat(append(restarted, deleted, ExpectedSequence.none()))
                    .isEqualTo(new WriteResult.Conflict(ExpectedSequence.none(), 2));
            assertThat(append(restarted, deleted, ExpectedSequence.exactly(2))).isEqualTo(written(restarted, deleted, 3));
            assertThat(journal.highestSequenceNr(deleted)).isEqualTo(3);
            assertThat(journal.read(deleted, 1, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr).containsExactly(3L);
            assertThat(journal.read(z, 1, Long.MAX_VALUE, 100)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L);
        }
    }

    @Test
    void a_batch_mixing_known_new_and_conflicting_writes_gets_each_its_own_result() {
        try (Store a = Stores.open(URI)) {
            String k = "known-k-" + System.nanoTime();
            String n = "known-n-" + System.nanoTime();
            append(a, k, ExpectedSequence.none());
            List<WriteResult> results = a.journal().append(List.of(
                    write(k, ExpectedSequence.exactly(1)),
                    write(n, ExpectedSequence.none()),
                    write(k, ExpectedSequence.exactly(1)),
                    write(k, ExpectedSequence.exactly(2)),
                    write(n, ExpectedSequence.any())));
            assertThat(results.get(0)).isInstanceOf(WriteResult.Written.class);
            assertThat(results.get(1)).isInstanceOf(WriteResult.Written.class);
            assertThat(results.get(2)).isEqualTo(new WriteResult.Conflict(ExpectedSequence.exactly(1), 2));
            assertThat(results.get(3)).isInstanceOf(WriteResult.Written.class);
            assertThat(((WriteResult.Written) results.get(4)).firstSequenceNr()).isEqualTo(2);
            assertThat(a.journal().highestSequenceNr(k)).isEqualTo(3);
            assertThat(a.journal().highestSequenceNr(n)).isEqualTo(2);
        }
    }

    private static AtomicWrite write(String id, ExpectedSequence expected) {
        return new AtomicWrite(id, expected,
                List.of(new EventData(new Payload.Serialized("e", 1, new byte[] {1, 2, 3}), Set.of(), Instant.now())));
    }

    private static WriteResult append(Store store, String id, ExpectedSequence expected) {
        return store.journal().append(List.of(write(id, expected))).getFirst();
    }

    /** The result of having written event {@code seq} of {@code id}, at the position it was given. */
    private static WriteResult written(Store store, String id, long seq) {
        long position = store.journal().read(id, seq, seq, 1).getFirst().globalPosition();
        return new WriteResult.Written(seq, new long[] {position});
    }
}
