package io.perpetua.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PositionSignal;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journal, snapshots and checkpoints in PostgreSQL, shared safely by several application nodes.
 *
 * <p><b>Gap-free global order.</b> An append transaction first locks the single row that holds the
 * highest global position, assigns the next positions to its events, and releases the lock only by
 * committing. Positions are therefore assigned in commit order: a reader that sees position
 * {@code p} has already been able to see every lower position, without guessing delays. Group
 * commit makes the serialisation cheap: one transaction carries the writes of many processes.
 *
 * <p><b>Fencing writers.</b> Each write checks the stream's highest sequence number under a row
 * lock taken in persistence-id order, and the unique key (persistence id, sequence number) is the
 * last fence. A conflict fails only its own write; the other writes of the batch commit.
 *
 * <p><b>Live readers</b> are woken by {@code LISTEN/NOTIFY} (the notification is sent by the append
 * transaction, so it arrives only after the commit) and fall back to polling the highest position
 * every second if a notification is lost or the listening connection breaks.
 *
 * <p>Tables live in one schema (default {@code perpetua}), created and migrated by
 * {@link Schema}.
 */
public final class PostgresStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

    /** The largest event or snapshot payload accepted, in bytes. */
    public static final int MAX_PAYLOAD_BYTES = 64 << 20;

    private final String uri;
    private final DataSource dataSource;
    private final HikariDataSource ownedPool;
    private final String schema;
    private final String channel;
    private final ListenerSettings listener;
    private final Thread listenerThread;
    private final PositionSignal visible;
    private volatile boolean closed;
    private final Journal journal = new Journal();
    private final Snapshots snapshotStore = new Snapshots();
    private final Checkpoints checkpointStore = new Checkpoints();

    /** How the listener connects: a JDBC URL with credentials, or null to poll only. */
    record ListenerSettings(String jdbcUrl, java.util.Properties properties) {}

    PostgresStore(String uri, DataSource dataSource, HikariDataSource ownedPool, String schema, ListenerSettings listener) {
        this.uri = uri;
        this.dataSource = dataSource;
        this.ownedPool = ownedPool;
        this.schema = checkSchemaName(schema);
        this.channel = "perpetua_" + schema;
        this.listener = listener;
        try (Connection c = dataSource.getConnection()) {
            Schema.migrate(c, this.schema);
        } catch (SQLException e) {
            throw new StoreException("cannot connect to the database of " + uri + ": " + e.getMessage(), e);
        }
        visible = new PositionSignal(journal.highestGlobalPosition());
        listenerThread = Thread.ofPlatform().daemon(true).name("perpetua-pg-listener").start(this::listen);
        log.info("opened PostgreSQL store {} (schema {})", uri, schema);
    }

    /**
     * A store on a {@link DataSource} the caller owns (and closes). Tables go to {@code schema}.
     * Live readers poll once a second, since a pooled DataSource gives no dedicated connection to
     * LISTEN on.
     */
    public static PostgresStore open(DataSource dataSource, String schema) {
        return new PostgresStore("postgresql-datasource:" + schema, Objects.requireNonNull(dataSource, "dataSource"), null,
                schema, null);
    }

    private static String checkSchemaName(String schema) {
        if (schema == null || !schema.matches("[a-z_][a-z0-9_]{0,50}")) {
            throw new IllegalArgumentException("schema name must be lower-case letters, digits and '_' (at most 51), was '"
                    + schema + "'");
        }
        return schema;
    }

    static HikariDataSource pool(String jdbcUrl, java.util.Properties properties, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setDataSourceProperties(properties);
        config.setMaximumPoolSize(size);
        config.setPoolName("perpetua");
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(config);
    }

    @Override
    public String uri() {
        return uri;
    }

    /** The schema holding the tables. */
    public String schema() {
        return schema;
    }

    @Override
    public EventJournal journal() {
        return journal;
    }

    @Override
    public SnapshotStore snapshots() {
        return snapshotStore;
    }

    @Override
    public CheckpointStore checkpoints() {
        return checkpointStore;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        visible.close();
        listenerThread.interrupt();
        try {
            listenerThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpointStore.releaseConsumerLocks();
        if (ownedPool != null) ownedPool.close();
        log.info("closed PostgreSQL store {}", uri);
    }

    /** A pooled connection to the store's database; also for exactly-once projections. */
    Connection connection() throws SQLException {
        if (closed) throw new IllegalStateException("store " + uri + " is closed");
        return dataSource.getConnection();
    }

    /** The qualified name of one of the store's tables. */
    String t(String table) {
        return schema + "." + table;
    }

    private StoreException failure(String what, SQLException e) {
        return new StoreException(what + " failed on " + uri + ": " + e.getMessage(), e);
    }

    private static void checkMax(int max) {
        if (max < 0) throw new IllegalArgumentException("max must be >= 0, was " + max);
    }

    private static Instant instant(ResultSet rs, int tsColumn, int nanosColumn) throws SQLException {
        OffsetDateTime odt = rs.getObject(tsColumn, OffsetDateTime.class);
        return Instant.ofEpochSecond(odt.toEpochSecond(), rs.getInt(nanosColumn));
    }

    private static OffsetDateTime odt(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    // ================================================================== live notification

    private void listen() {
        long backoff = 100;
        while (!closed) {
            if (listener == null) {
                pollOnce();
                if (!sleep(1000)) return;
                continue;
            }
            try (Connection c = DriverManager.getConnection(listener.jdbcUrl(), listener.properties());
                    Statement st = c.createStatement()) {
                st.execute("LISTEN " + channel);
                PGConnection pg = c.unwrap(PGConnection.class);
                backoff = 100;
                long lastPoll = System.nanoTime();
                while (!closed) {
                    PGNotification[] notes = pg.getNotifications(500);
                    boolean poll = notes != null && notes.length > 0;
                    if (System.nanoTime() - lastPoll > TimeUnit.SECONDS.toNanos(1)) poll = true;
                    if (poll) {
                        lastPoll = System.nanoTime();
                        try (ResultSet rs = st.executeQuery("SELECT highest FROM " + t("global_position") + " WHERE id = 1")) {
                            if (rs.next()) advance(rs.getLong(1));
                        }
                    }
                }
            } catch (SQLException e) {
                if (closed) return;
                log.warn("listening for new events on {} failed, polling until it reconnects: {}", uri, e.getMessage());
                pollOnce();
                if (!sleep(backoff)) return;
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void pollOnce() {
        try {
            advance(journal.highestGlobalPosition());
        } catch (RuntimeException e) {
            log.debug("polling the highest position of {} failed: {}", uri, e.toString());
        }
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void advance(long highest) {
        visible.advance(highest);
    }

    // ================================================================== journal

    private final class Journal implements EventJournal {

        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            Objects.requireNonNull(writes, "writes");
            List<WriteResult> results = new ArrayList<>(writes.size());
            if (writes.isEmpty()) return results;
            long newHighest;
            try (Connection c = connection()) {
                c.setAutoCommit(false);
                try {
                    newHighest = appendIn(c, writes, results);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // the connection is broken; the outcome is unknown either way
                    }
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw failure("append of " + writes.size() + " writes", e);
            }
            if (newHighest > 0) advance(newHighest);
            return results;
        }

        /** Returns the new highest position, or 0 if nothing was written. */
        private long appendIn(Connection c, List<AtomicWrite> writes, List<WriteResult> results) throws SQLException {
            long position;
            try (PreparedStatement ps = c.prepareStatement("SELECT highest FROM " + t("global_position")
                    + " WHERE id = 1 FOR UPDATE")) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    position = rs.getLong(1);
                }
            }
            TreeSet<String> ids = new TreeSet<>();
            for (AtomicWrite w : writes) ids.add(w.persistenceId());
            Array idArray = c.createArrayOf("text", ids.toArray());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t("streams")
                    + " (persistence_id, highest_sequence_nr, deleted_up_to) SELECT unnest(?::text[]), 0, 0 ON CONFLICT DO NOTHING")) {
                ps.setArray(1, idArray);
                ps.executeUpdate();
            }
            Map<String, long[]> streams = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT persistence_id, highest_sequence_nr, deleted_up_to FROM "
                    + t("streams") + " WHERE persistence_id = ANY(?) ORDER BY persistence_id FOR UPDATE")) {
                ps.setArray(1, idArray);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) streams.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            long start = position;
            Set<String> touched = new TreeSet<>();
            boolean refused = false;
            List<Long> positions = new ArrayList<>();
            List<String> eventIds = new ArrayList<>();
            List<Long> seqs = new ArrayList<>();
            List<String> times = new ArrayList<>();
            List<Integer> nanos = new ArrayList<>();
            List<String> manifests = new ArrayList<>();
            List<Integer> versions = new ArrayList<>();
            List<String> tagLists = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            List<String> tagNames = new ArrayList<>();
            List<Long> tagPositions = new ArrayList<>();
            for (AtomicWrite write : writes) {
                String rejection = rejectionOf(write);
                if (rejection != null) {
                    results.add(new WriteResult.Rejected(rejection));
                    refused = true;
                    continue;
                }
                long[] s = streams.get(write.persistenceId());
                long highest = s[0];
                if (!write.expected().matches(highest)) {
                    results.add(new WriteResult.Conflict(write.expected(), highest));
                    refused = true;
                    continue;
                }
                long[] written = new long[write.events().size()];
                long seq = highest;
                int i = 0;
                for (EventData e : write.events()) {
                    Payload.Serialized p = (Payload.Serialized) e.payload();
                    seq++;
                    position++;
                    positions.add(position);
                    eventIds.add(write.persistenceId());
                    seqs.add(seq);
                    times.add(e.timestamp().toString());
                    nanos.add(e.timestamp().getNano());
                    manifests.add(p.manifest());
                    versions.add(p.schemaVersion());
                    tagLists.add(jsonArray(e.tags()));
                    payloads.add(p.bytes());
                    for (String tag : e.tags()) {
                        tagNames.add(tag);
                        tagPositions.add(position);
                    }
                    written[i++] = position;
                }
                s[0] = seq;
                touched.add(write.persistenceId());
                results.add(new WriteResult.Written(highest + 1, written));
            }
            if (position > start) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t("event_journal")
                        + " (global_position, persistence_id, sequence_nr, written_at, written_nanos, manifest, schema_version,"
                        + " tags, payload) SELECT p, i, s, w::timestamptz, n, m, v,"
                        + " ARRAY(SELECT jsonb_array_elements_text(g::jsonb)), b"
                        + " FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::int[],"
                        + " ?::text[], ?::bytea[]) AS x(p, i, s, w, n, m, v, g, b)")) {
                    ps.setArray(1, c.createArrayOf("bigint", positions.toArray()));
                    ps.setArray(2, c.createArrayOf("text", eventIds.toArray()));
                    ps.setArray(3, c.createArrayOf("bigint", seqs.toArray()));
                    ps.setArray(4, c.createArrayOf("text", times.toArray()));
                    ps.setArray(5, c.createArrayOf("int4", nanos.toArray()));
                    ps.setArray(6, c.createArrayOf("text", manifests.toArray()));
                    ps.setArray(7, c.createArrayOf("int4", versions.toArray()));
                    ps.setArray(8, c.createArrayOf("text", tagLists.toArray()));
                    ps.setArray(9, c.createArrayOf("bytea", payloads.toArray(new byte[0][])));
                    ps.executeUpdate();
                }
                if (!tagNames.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t("event_tags")
                            + " (tag, global_position) SELECT * FROM unnest(?::text[], ?::bigint[])")) {
                        ps.setArray(1, c.createArrayOf("text", tagNames.toArray()));
                        ps.setArray(2, c.createArrayOf("bigint", tagPositions.toArray()));
                        ps.executeUpdate();
                    }
                }
            }
            if (!touched.isEmpty()) {
                List<Long> highs = new ArrayList<>();
                for (String id : touched) highs.add(streams.get(id)[0]);
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + t("streams")
                        + " AS st SET highest_sequence_nr = u.h FROM unnest(?::text[], ?::bigint[]) AS u(id, h)"
                        + " WHERE st.persistence_id = u.id")) {
                    ps.setArray(1, c.createArrayOf("text", touched.toArray()));
                    ps.setArray(2, c.createArrayOf("bigint", highs.toArray()));
                    ps.executeUpdate();
                }
            }
            if (refused) {
                // streams created for writes that were refused never had an event: remove them again
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("streams")
                        + " WHERE persistence_id = ANY(?) AND highest_sequence_nr = 0")) {
                    ps.setArray(1, idArray);
                    ps.executeUpdate();
                }
            }
            if (position == start) return 0;
            try (PreparedStatement ps = c.prepareStatement("WITH g AS (UPDATE " + t("global_position")
                    + " SET highest = ? WHERE id = 1 RETURNING highest) SELECT pg_notify(?, highest::text) FROM g")) {
                ps.setLong(1, position);
                ps.setString(2, channel);
                ps.executeQuery().close();
            }
            return position;
        }

        private static String jsonArray(Set<String> tags) {
            if (tags.isEmpty()) return "[]";
            StringBuilder b = new StringBuilder("[");
            for (String tag : tags) {
                if (b.length() > 1) b.append(',');
                b.append('"');
                for (int i = 0; i < tag.length(); i++) {
                    char ch = tag.charAt(i);
                    if (ch == '"' || ch == '\\') b.append('\\').append(ch);
                    else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
                    else b.append(ch);
                }
                b.append('"');
            }
            return b.append(']').toString();
        }

        private String rejectionOf(AtomicWrite write) {
            for (EventData e : write.events()) {
                if (!(e.payload() instanceof Payload.Serialized p)) {
                    return "the PostgreSQL store stores bytes: event for '" + write.persistenceId()
                            + "' was not serialized (configure a serializer)";
                }
                if (p.bytes().length > MAX_PAYLOAD_BYTES) {
                    return "event of " + p.bytes().length + " bytes for '" + write.persistenceId()
                            + "' exceeds the PostgreSQL store's limit of " + MAX_PAYLOAD_BYTES + " bytes";
                }
                if (p.manifest().indexOf('\0') >= 0 || e.tags().stream().anyMatch(tag -> tag.indexOf('\0') >= 0)) {
                    return "a manifest or tag of an event for '" + write.persistenceId() + "' contains a NUL character";
                }
            }
            return null;
        }

        private static final String COLUMNS =
                "persistence_id, sequence_nr, global_position, written_at, written_nanos, manifest, schema_version, tags, payload";

        private StoredEvent event(ResultSet rs) throws SQLException {
            String[] tags = (String[]) rs.getArray(8).getArray();
            return new StoredEvent(rs.getString(1), rs.getLong(2), rs.getLong(3), instant(rs, 4, 5),
                    tags.length == 0 ? Set.of() : Set.of(tags),
                    new Payload.Serialized(rs.getString(6), rs.getInt(7), rs.getBytes(9)));
        }

        private List<StoredEvent> query(String sql, Object... args) {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
                List<StoredEvent> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(event(rs));
                }
                return out;
            } catch (SQLException e) {
                throw failure("reading the journal", e);
            }
        }

        @Override
        public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            checkMax(max);
            Objects.requireNonNull(persistenceId, "persistenceId");
            if (max == 0 || fromSequenceNr > toSequenceNr) return guardOpen(List.of());
            return query("SELECT " + COLUMNS + " FROM " + t("event_journal")
                    + " WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ? ORDER BY sequence_nr LIMIT ?",
                    persistenceId, fromSequenceNr, toSequenceNr, max);
        }

        private <T> T guardOpen(T value) {
            if (closed) throw new IllegalStateException("store " + uri + " is closed");
            return value;
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT highest_sequence_nr FROM " + t("streams") + " WHERE persistence_id = ?")) {
                ps.setString(1, persistenceId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (SQLException e) {
                throw failure("reading the highest sequence number of '" + persistenceId + "'", e);
            }
        }

        @Override
        public void deleteUpTo(String persistenceId, long toSequenceNr) {
            try (Connection c = connection()) {
                c.setAutoCommit(false);
                try {
                    long highest;
                    long deleted;
                    try (PreparedStatement ps = c.prepareStatement("SELECT highest_sequence_nr, deleted_up_to FROM "
                            + t("streams") + " WHERE persistence_id = ? FOR UPDATE")) {
                        ps.setString(1, persistenceId);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) {
                                c.rollback();
                                return;
                            }
                            highest = rs.getLong(1);
                            deleted = rs.getLong(2);
                        }
                    }
                    long to = Math.min(toSequenceNr, highest);
                    if (to > deleted) {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("event_tags")
                                + " WHERE global_position IN (SELECT global_position FROM " + t("event_journal")
                                + " WHERE persistence_id = ? AND sequence_nr <= ? AND cardinality(tags) > 0)")) {
                            ps.setString(1, persistenceId);
                            ps.setLong(2, to);
                            ps.executeUpdate();
                        }
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("event_journal")
                                + " WHERE persistence_id = ? AND sequence_nr <= ?")) {
                            ps.setString(1, persistenceId);
                            ps.setLong(2, to);
                            ps.executeUpdate();
                        }
                        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t("streams")
                                + " SET deleted_up_to = ? WHERE persistence_id = ?")) {
                            ps.setLong(1, to);
                            ps.setString(2, persistenceId);
                            ps.executeUpdate();
                        }
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw failure("deleting events of '" + persistenceId + "' up to " + toSequenceNr, e);
            }
        }

        @Override
        public List<StoredEvent> readAll(long fromPosition, int max) {
            checkMax(max);
            if (max == 0) return guardOpen(List.of());
            return query("SELECT " + COLUMNS + " FROM " + t("event_journal")
                    + " WHERE global_position >= ? ORDER BY global_position LIMIT ?", fromPosition, max);
        }

        @Override
        public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
            checkMax(max);
            Objects.requireNonNull(tag, "tag");
            if (max == 0) return guardOpen(List.of());
            return query("SELECT j.persistence_id, j.sequence_nr, j.global_position, j.written_at, j.written_nanos, j.manifest,"
                    + " j.schema_version, j.tags, j.payload FROM " + t("event_tags") + " g JOIN " + t("event_journal")
                    + " j ON j.global_position = g.global_position WHERE g.tag = ? AND g.global_position >= ?"
                    + " ORDER BY g.global_position LIMIT ?", tag, fromPosition, max);
        }

        @Override
        public List<String> persistenceIds(String afterId, int max) {
            checkMax(max);
            Objects.requireNonNull(afterId, "afterId");
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("SELECT persistence_id FROM "
                    + t("streams") + " WHERE persistence_id > ? ORDER BY persistence_id LIMIT ?")) {
                ps.setString(1, afterId);
                ps.setInt(2, max);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            } catch (SQLException e) {
                throw failure("listing persistence ids", e);
            }
        }

        @Override
        public long highestGlobalPosition() {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT highest FROM " + t("global_position") + " WHERE id = 1")) {
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            } catch (SQLException e) {
                throw failure("reading the highest global position", e);
            }
        }

        @Override
        public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
            guardOpen(null);
            return visible.await(afterPosition, timeout);
        }
    }

    // ================================================================== snapshots

    private final class Snapshots implements SnapshotStore {

        @Override
        public void save(SnapshotRecord snapshot) {
            Objects.requireNonNull(snapshot, "snapshot");
            if (!(snapshot.payload() instanceof Payload.Serialized p)) {
                throw new IllegalArgumentException("the PostgreSQL store stores bytes: the snapshot of '"
                        + snapshot.persistenceId() + "' was not serialized (configure a serializer)");
            }
            if (p.bytes().length > MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("snapshot of " + p.bytes().length + " bytes for '"
                        + snapshot.persistenceId() + "' exceeds the PostgreSQL store's limit of " + MAX_PAYLOAD_BYTES + " bytes");
            }
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + t("snapshots")
                    + " (persistence_id, sequence_nr, written_at, written_nanos, manifest, schema_version, payload)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (persistence_id, sequence_nr) DO UPDATE SET"
                    + " written_at = excluded.written_at, written_nanos = excluded.written_nanos,"
                    + " manifest = excluded.manifest, schema_version = excluded.schema_version, payload = excluded.payload")) {
                ps.setString(1, snapshot.persistenceId());
                ps.setLong(2, snapshot.sequenceNr());
                ps.setObject(3, odt(snapshot.timestamp()));
                ps.setInt(4, snapshot.timestamp().getNano());
                ps.setString(5, p.manifest());
                ps.setInt(6, p.schemaVersion());
                ps.setBytes(7, p.bytes());
                ps.executeUpdate();
            } catch (SQLException e) {
                throw failure("saving the snapshot of '" + snapshot.persistenceId() + "'", e);
            }
        }

        /** (sequence number, timestamp) of the process's snapshots in the sequence range, newest first. */
        private List<Object[]> candidates(Connection c, String id, SnapshotCriteria criteria) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT sequence_nr, written_at, written_nanos FROM "
                    + t("snapshots") + " WHERE persistence_id = ? AND sequence_nr <= ? AND sequence_nr >= ?"
                    + " ORDER BY sequence_nr DESC")) {
                ps.setString(1, id);
                ps.setLong(2, criteria.maxSequenceNr());
                ps.setLong(3, criteria.minSequenceNr());
                List<Object[]> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        Instant ts = instant(rs, 2, 3);
                        if (criteria.matches(seq, ts)) out.add(new Object[] {seq, ts});
                    }
                }
                return out;
            }
        }

        @Override
        public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
            Objects.requireNonNull(criteria, "criteria");
            try (Connection c = connection()) {
                List<Object[]> found = candidates(c, persistenceId, criteria);
                if (found.isEmpty()) return Optional.empty();
                long seq = (Long) found.getFirst()[0];
                try (PreparedStatement ps = c.prepareStatement("SELECT written_at, written_nanos, manifest, schema_version,"
                        + " payload FROM " + t("snapshots") + " WHERE persistence_id = ? AND sequence_nr = ?")) {
                    ps.setString(1, persistenceId);
                    ps.setLong(2, seq);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) return Optional.empty();
                        return Optional.of(new SnapshotRecord(persistenceId, seq, instant(rs, 1, 2),
                                new Payload.Serialized(rs.getString(3), rs.getInt(4), rs.getBytes(5))));
                    }
                }
            } catch (SQLException e) {
                throw failure("loading a snapshot of '" + persistenceId + "'", e);
            }
        }

        @Override
        public void delete(String persistenceId, long sequenceNr) {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM " + t("snapshots") + " WHERE persistence_id = ? AND sequence_nr = ?")) {
                ps.setString(1, persistenceId);
                ps.setLong(2, sequenceNr);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw failure("deleting snapshot " + sequenceNr + " of '" + persistenceId + "'", e);
            }
        }

        @Override
        public void delete(String persistenceId, SnapshotCriteria criteria) {
            try (Connection c = connection()) {
                List<Object[]> found = candidates(c, persistenceId, criteria);
                if (found.isEmpty()) return;
                Long[] seqs = found.stream().map(r -> (Long) r[0]).toArray(Long[]::new);
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("snapshots")
                        + " WHERE persistence_id = ? AND sequence_nr = ANY(?)")) {
                    ps.setString(1, persistenceId);
                    ps.setArray(2, c.createArrayOf("bigint", seqs));
                    ps.executeUpdate();
                }
            } catch (SQLException e) {
                throw failure("deleting snapshots of '" + persistenceId + "'", e);
            }
        }
    }

    // ================================================================== checkpoints

    /**
     * Checkpoints, and the consumer locks of the read side: a session-level advisory lock per
     * (schema, name), held on a connection of its own for as long as the lock is held, so it guards
     * every node using the schema. The key is the first 8 bytes of the SHA-256 of the schema and the
     * name. If the connection is lost the server releases the lock; the holder learns it only when
     * it closes the lock, which then logs a warning. Closing the store releases every lock it holds.
     */
    private final class Checkpoints implements CheckpointStore, ConsumerLocks {

        private final Set<Lock> heldLocks = ConcurrentHashMap.newKeySet();

        void releaseConsumerLocks() {
            for (Lock lock : List.copyOf(heldLocks)) lock.close();
        }

        @Override
        public void save(String name, long position) {
            checkName(name);
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + t("checkpoints")
                    + " (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position")) {
                ps.setString(1, name);
                ps.setLong(2, position);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw failure("saving checkpoint '" + name + "'", e);
            }
        }

        @Override
        public OptionalLong load(String name) {
            checkName(name);
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT position FROM " + t("checkpoints") + " WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                }
            } catch (SQLException e) {
                throw failure("loading checkpoint '" + name + "'", e);
            }
        }

        @Override
        public void delete(String name) {
            checkName(name);
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM " + t("checkpoints") + " WHERE name = ?")) {
                ps.setString(1, name);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw failure("deleting checkpoint '" + name + "'", e);
            }
        }

        @Override
        public List<String> names() {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT name FROM " + t("checkpoints") + " ORDER BY name COLLATE \"C\"")) {
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            } catch (SQLException e) {
                throw failure("listing checkpoints", e);
            }
        }

        @Override
        public Optional<Lock> tryLock(String name) {
            checkName(name);
            long key = lockKey(name);
            Connection c = null;
            try {
                c = listener != null ? DriverManager.getConnection(listener.jdbcUrl(), listener.properties()) : connection();
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    ps.setLong(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            c.close();
                            return Optional.empty();
                        }
                    }
                }
            } catch (SQLException e) {
                closeQuietly(c);
                throw failure("taking the consumer lock '" + name + "'", e);
            }
            Connection held = c;
            Lock lock = new Lock() {
                private boolean released;

                @Override
                public synchronized void close() {
                    if (released) return;
                    released = true;
                    heldLocks.remove(this);
                    try (PreparedStatement ps = held.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                        ps.setLong(1, key);
                        ps.execute();
                    } catch (SQLException e) {
                        log.warn("releasing the consumer lock '{}' on {} failed (the server releases it with the "
                                + "connection): {}", name, uri, e.getMessage());
                    } finally {
                        closeQuietly(held);
                    }
                }
            };
            heldLocks.add(lock);
            return Optional.of(lock);
        }

        private long lockKey(String name) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(("perpetua-consumer\0" + schema + "\0" + name).getBytes(StandardCharsets.UTF_8));
                return ByteBuffer.wrap(digest).getLong();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
        }

        private static void closeQuietly(Connection c) {
            if (c == null) return;
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is gone, and the lock with it
            }
        }

        private static void checkName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("checkpoint name must not be null or blank: '" + name + "'");
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresStore[" + uri + ", schema " + schema + "]";
    }
}
