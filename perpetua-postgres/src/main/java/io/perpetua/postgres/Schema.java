package io.perpetua.postgres;

import io.perpetua.spi.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates and migrates the store's tables. Versioned (a table holds the version), idempotent (each
 * step runs once), and safe when several nodes start at once: migration runs under a
 * transaction-level advisory lock, so one node migrates while the others wait and then find nothing
 * to do. A database whose schema is newer than this library is refused with a clear error.
 */
final class Schema {

    /** The schema version this library writes and reads. */
    static final int VERSION = 3;

    private static final List<String> V1 = List.of(
            """
            CREATE TABLE IF NOT EXISTS %1$s.event_journal (
                global_position bigint PRIMARY KEY,
                persistence_id text NOT NULL,
                sequence_nr bigint NOT NULL,
                written_at timestamptz NOT NULL,
                written_nanos int NOT NULL,
                manifest text NOT NULL,
                schema_version int NOT NULL,
                tags text[] NOT NULL,
                payload bytea NOT NULL,
                CONSTRAINT event_journal_stream UNIQUE (persistence_id, sequence_nr)
            )""",
            """
            CREATE TABLE IF NOT EXISTS %1$s.event_tags (
                tag text NOT NULL,
                global_position bigint NOT NULL,
                PRIMARY KEY (tag, global_position)
            )""",
            """
            CREATE TABLE IF NOT EXISTS %1$s.streams (
                persistence_id text PRIMARY KEY COLLATE "C",
                highest_sequence_nr bigint NOT NULL,
                deleted_up_to bigint NOT NULL
            )""",
            """
            CREATE TABLE IF NOT EXISTS %1$s.global_position (
                id int PRIMARY KEY CHECK (id = 1),
                highest bigint NOT NULL
            )""",
            "INSERT INTO %1$s.global_position (id, highest) VALUES (1, 0) ON CONFLICT DO NOTHING",
            """
            CREATE TABLE IF NOT EXISTS %1$s.snapshots (
                persistence_id text NOT NULL,
                sequence_nr bigint NOT NULL,
                written_at timestamptz NOT NULL,
                written_nanos int NOT NULL,
                manifest text NOT NULL,
                schema_version int NOT NULL,
                payload bytea NOT NULL,
                PRIMARY KEY (persistence_id, sequence_nr)
            )""",
            """
            CREATE TABLE IF NOT EXISTS %1$s.checkpoints (
                name text PRIMARY KEY,
                position bigint NOT NULL
            )""");

    /**
     * Version 2 changes what {@code streams.highest_sequence_nr} means, not the tables: appends no
     * longer update it (they check the journal's unique key instead), so it is exact only when the
     * stream has no event left; a stream's highest sequence number is its last event's. A library
     * that still reads it as exact (version 1) must refuse this schema, hence the new version.
     */
    private static final List<String> V2 = List.of(
            """
            COMMENT ON COLUMN %1$s.streams.highest_sequence_nr IS
            'Set when the stream starts and by deletes; the highest sequence number is that of the stream''s last
            event in event_journal, or this when none is left (schema version 2)'""");

    /**
     * Version 3 keys the journal's streams by an integer: each stream's row in {@code streams} gets
     * a {@code stream_id} from a sequence, each event carries it, and the unique key that fences
     * writers becomes {@code (stream_id, sequence_nr)} instead of {@code (persistence_id,
     * sequence_nr)}. Inserting into an index of two bigints costs the server about a third less than
     * into one that compares text, and the index is smaller. Events keep their persistence id as a
     * column, so reads need no join. Migrating rewrites {@code event_journal} once (every row gets its
     * stream's id) under the migration lock, in time proportional to the journal's size.
     */
    private static final List<String> V3 = List.of(
            "CREATE SEQUENCE IF NOT EXISTS %1$s.stream_ids",
            // every stream with events has a row (versions 1 and 2 write it when the stream starts);
            // this keeps the migration safe for one that does not
            """
            INSERT INTO %1$s.streams (persistence_id, highest_sequence_nr, deleted_up_to)
            SELECT persistence_id, max(sequence_nr), 0 FROM %1$s.event_journal GROUP BY persistence_id
            ON CONFLICT DO NOTHING""",
            "ALTER TABLE %1$s.streams ADD COLUMN stream_id bigint",
            "UPDATE %1$s.streams SET stream_id = nextval('%1$s.stream_ids')",
            "ALTER TABLE %1$s.streams ALTER COLUMN stream_id SET DEFAULT nextval('%1$s.stream_ids')",
            "ALTER TABLE %1$s.streams ALTER COLUMN stream_id SET NOT NULL",
            "ALTER TABLE %1$s.streams ADD CONSTRAINT streams_stream_id UNIQUE (stream_id)",
            "ALTER SEQUENCE %1$s.stream_ids OWNED BY %1$s.streams.stream_id",
            "ALTER TABLE %1$s.event_journal ADD COLUMN stream_id bigint",
            "UPDATE %1$s.event_journal j SET stream_id = s.stream_id FROM %1$s.streams s"
                    + " WHERE s.persistence_id = j.persistence_id COLLATE \"C\"",
            "ALTER TABLE %1$s.event_journal ALTER COLUMN stream_id SET NOT NULL",
            "ALTER TABLE %1$s.event_journal ADD CONSTRAINT event_journal_stream_id UNIQUE (stream_id, sequence_nr)",
            "ALTER TABLE %1$s.event_journal DROP CONSTRAINT event_journal_stream",
            """
            COMMENT ON COLUMN %1$s.event_journal.stream_id IS
            'The stream''s id in streams; (stream_id, sequence_nr) is unique (schema version 3)'""");

    private Schema() {}

    static void migrate(Connection c, String schema) {
        migrate(c, schema, VERSION);
    }

    /** Migrates to {@code upTo} at most (an earlier version, for tests of the migration). */
    static void migrate(Connection c, String schema, int upTo) {
        try {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(hashtext('perpetua-migrate:' || " + literal(schema) + "))");
                st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                st.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version int NOT NULL)");
                int current = 0;
                try (ResultSet rs = st.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
                    if (rs.next()) current = rs.getInt(1);
                }
                if (current > VERSION) {
                    c.rollback();
                    throw new StoreException("the database schema '" + schema + "' is at version " + current
                            + ", newer than this Perpetua library understands (" + VERSION + "); upgrade Perpetua");
                }
                if (current < 1) {
                    for (String ddl : V1) st.execute(ddl.formatted(schema));
                    st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (1)");
                }
                if (current < 2 && upTo >= 2) {
                    for (String ddl : V2) st.execute(ddl.formatted(schema));
                    st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (2)");
                }
                if (current < 3 && upTo >= 3) {
                    for (String ddl : V3) st.execute(ddl.formatted(schema));
                    st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (3)");
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new StoreException("creating the Perpetua tables in schema '" + schema + "' failed: " + e.getMessage(), e);
        }
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
