package io.perpetua.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A store written by a library at schema version 2 (streams keyed by text) opens with this one,
 * which migrates it to version 3 (streams keyed by an integer id): every event, tag, deleted range
 * and sequence number is where it was, the fence against two writers still holds, and appends go on.
 */
class SchemaMigrationTest {

    @Test
    void a_version_2_store_migrates_to_version_3_with_everything_in_place() throws Exception {
        String schema = TestDatabase.freshSchema();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            Schema.migrate(c, schema, 2);
            // what version 2 wrote: "a" with three events (the second tagged), "b" with two events
            // both deleted (its row keeps the highest), "c" with one event
            st.execute("INSERT INTO " + schema + ".streams VALUES ('a', 1, 0), ('b', 2, 2), ('c', 1, 0)");
            st.execute("INSERT INTO " + schema + ".event_journal (global_position, persistence_id, sequence_nr, written_at,"
                    + " written_nanos, manifest, schema_version, tags, payload) VALUES"
                    + " (1, 'a', 1, '2026-01-01T00:00:00Z', 0, 'm', 1, '{}', '\\x01'),"
                    + " (2, 'a', 2, '2026-01-01T00:00:01Z', 0, 'm', 1, '{red}', '\\x02'),"
                    + " (5, 'c', 1, '2026-01-01T00:00:02Z', 0, 'm', 1, '{}', '\\x05'),"
                    + " (6, 'a', 3, '2026-01-01T00:00:03Z', 0, 'm', 2, '{}', '\\x06')");
            st.execute("INSERT INTO " + schema + ".event_tags VALUES ('red', 2)");
            st.execute("UPDATE " + schema + ".global_position SET highest = 6");
        }

        try (Store store = Stores.open(TestDatabase.uri(schema))) {
            EventJournal journal = store.journal();
            assertThat(journal.read("a", 1, Long.MAX_VALUE, 10)).extracting(StoredEvent::sequenceNr, StoredEvent::globalPosition)
                    .containsExactly(tuple(1L, 1L), tuple(2L, 2L), tuple(3L, 6L));
            assertThat(((Payload.Serialized) journal.read("a", 3, 3, 1).getFirst().payload()).bytes()).containsExactly(6);
            assertThat(journal.highestSequenceNr("a")).isEqualTo(3);
            assertThat(journal.highestSequenceNr("b")).isEqualTo(2);
            assertThat(journal.read("b", 1, Long.MAX_VALUE, 10)).isEmpty();
            assertThat(journal.readByTag("red", 0, 10)).extracting(StoredEvent::persistenceId, StoredEvent::sequenceNr)
                    .containsExactly(tuple("a", 2L));
            assertThat(journal.persistenceIds("", 10)).containsExactly("a", "b", "c");

            // appends go on from where each stream was; a stale expectation is a conflict
            assertThat(append(journal, "a", ExpectedSequence.exactly(2))).isEqualTo(new WriteResult.Conflict(ExpectedSequence.exactly(2), 3));
            assertThat(append(journal, "a", ExpectedSequence.exactly(3))).isInstanceOf(WriteResult.Written.class);
            assertThat(append(journal, "b", ExpectedSequence.none())).isEqualTo(new WriteResult.Conflict(ExpectedSequence.none(), 2));
            assertThat(append(journal, "b", ExpectedSequence.exactly(2))).isInstanceOf(WriteResult.Written.class);
            assertThat(append(journal, "new", ExpectedSequence.none())).isInstanceOf(WriteResult.Written.class);
            assertThat(journal.read("a", 4, 4, 1)).extracting(StoredEvent::globalPosition).containsExactly(7L);
            assertThat(journal.read("b", 1, Long.MAX_VALUE, 10)).extracting(StoredEvent::sequenceNr).containsExactly(3L);
            assertThat(journal.readAll(0, 100)).extracting(StoredEvent::globalPosition).containsExactly(1L, 2L, 5L, 6L, 7L, 8L, 9L);
            journal.deleteUpTo("a", 2);
            assertThat(journal.read("a", 1, Long.MAX_VALUE, 10)).extracting(StoredEvent::sequenceNr).containsExactly(3L, 4L);
            assertThat(journal.readByTag("red", 0, 10)).isEmpty();
        }

        try (Connection c = connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(Schema.VERSION);
            }
            // the unique key still fences a second writer of the same sequence number
            assertThatThrownBy(() -> st.execute("INSERT INTO " + schema + ".event_journal (global_position, persistence_id,"
                    + " stream_id, sequence_nr, written_at, written_nanos, manifest, schema_version, tags, payload)"
                    + " SELECT 100, 'c', stream_id, 1, now(), 0, 'm', 1, '{}', '\\x00' FROM " + schema + ".streams"
                    + " WHERE persistence_id = 'c'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("event_journal_stream_id");
        }
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }

    private static WriteResult append(EventJournal journal, String id, ExpectedSequence expected) {
        return journal.append(List.of(new AtomicWrite(id, expected,
                List.of(new EventData(new Payload.Serialized("m", 1, new byte[] {9}), Set.of(), Instant.now()))))).getFirst();
    }

    private static Connection connect() throws SQLException {
        String base = TestDatabase.baseUri();
        return DriverManager.getConnection("jdbc:" + base.substring(0, base.indexOf('?')), "postgres", "");
    }
}
