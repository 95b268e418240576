package io.perpetua.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.ExpectedSequence;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p><b>Fencing writers.</b> Appends hold the position lock until they commit, so they run one at
 * a time across all nodes, and each write's expected sequence number is checked against the journal
 * once the lock is held; the unique key (persistence id, sequence number) is the last fence. A
 * conflict fails only its own write; the other writes of the batch commit. A store remembers the
 * highest sequence numbers of the streams it wrote, exact while the highest position is where its
 * own last append left it; then the append is a single statement that moves the position only if it
 * is still there (see {@code docs/postgresql.md}).
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

    /**
     * How long an append written without the position lock waits for it (normally an earlier
     * batch's commit, milliseconds) before giving up and appending again under the lock. Ends a
     * deadlock with another node's append sooner than the server's deadlock check.
     */
    static final int PIPELINED_LOCK_TIMEOUT_MS = 200;
    /** The text the position's move fails on when another append moved the position first. */
    private static final String POSITION_MOVED = "perpetua: the global position moved";

    /** The largest event or snapshot payload accepted, in bytes. */
    public static final int MAX_PAYLOAD_BYTES = 64 << 20;

    private final String uri;
    private final DataSource dataSource;
    private final HikariDataSource ownedPool;
    private final String schema;
    private final String channel;
    private final ListenerSettings listener;
    /** Batches of this many writes or more are written in two halves at once; 0: never. */
    private final int splitAt;
    private final Thread listenerThread;
    private final PositionSignal visible;
    private volatile boolean closed;
    private final Journal journal = new Journal();
    private final Snapshots snapshotStore = new Snapshots();
    private final Checkpoints checkpointStore = new Checkpoints();
    /** The statements of an append, built once for the schema. */
    private final String lockAndCheckSql;
    private final String checkSql;
    private final String highestOfStreamsSql;
    private final String writeSql;
    private final String writeKnownSql;
    private final String insertSql;
    private final String moveSql;
    private final String highestSql;
    private final String streamIdsSql;

    /** How the listener connects: a JDBC URL with credentials, or null to poll only. */
    record ListenerSettings(String jdbcUrl, java.util.Properties properties) {}

    PostgresStore(String uri, DataSource dataSource, HikariDataSource ownedPool, String schema, ListenerSettings listener,
            int splitAt) {
        this.uri = uri;
        this.splitAt = checkSplitAt(splitAt);
        this.dataSource = dataSource;
        this.ownedPool = ownedPool;
        this.schema = checkSchemaName(schema);
        this.channel = "perpetua_" + schema;
        this.listener = listener;
        // The check of each stream's expected sequence number n against the journal: "found" is 1 if
        // n exists and n + 1 does not (the expectation holds), 0 if neither exists, 2 or 3 if n + 1
        // does. Shaped for plain index scans: at most two index entries per stream, its row by key.
        // The third column is the stream's id, null when it has no row (it never had an event).
        this.checkSql = "SELECT u.o, (SELECT coalesce(sum(CASE WHEN x.s = u.n THEN 1 ELSE 2 END), 0) FROM (SELECT j.sequence_nr AS s"
                + " FROM " + t("event_journal") + " j WHERE j.stream_id = r.stream_id AND j.sequence_nr >= u.n"
                + " ORDER BY j.sequence_nr LIMIT 2) x WHERE x.s <= u.n + 1), r.stream_id"
                + " FROM unnest(?::text[], ?::bigint[]) WITH ORDINALITY AS u(id, n, o) LEFT JOIN " + t("streams")
                + " r ON r.persistence_id = u.id";
        // Sent together: JIT compilation off for the transaction (it costs milliseconds and gains
        // nothing here), the position lock, then the check, in a snapshot taken once the lock is
        // held, so that every earlier append is visible to it.
        this.lockAndCheckSql = "SET LOCAL jit = off; SELECT highest FROM " + t("global_position") + " WHERE id = 1 FOR UPDATE; "
                + checkSql;
        this.highestOfStreamsSql = "SELECT u.o, (SELECT j.sequence_nr FROM " + t("event_journal") + " j"
                + " WHERE j.stream_id = r.stream_id ORDER BY j.sequence_nr DESC LIMIT 1), r.highest_sequence_nr, r.stream_id"
                + " FROM unnest(?::text[]) WITH ORDINALITY AS u(id, o) LEFT JOIN " + t("streams") + " r"
                + " ON r.persistence_id = u.id";
        // A stream's highest sequence number: its last event, or, when none is left (all deleted),
        // the number its row keeps (the row is written when the stream starts and by deletes).
        // No row: no stream, 0.
        this.highestSql = "SELECT coalesce((SELECT j.sequence_nr FROM " + t("event_journal") + " j WHERE j.stream_id = r.stream_id"
                + " ORDER BY j.sequence_nr DESC LIMIT 1), r.highest_sequence_nr) FROM " + t("streams") + " r"
                + " WHERE r.persistence_id = ?";
        this.streamIdsSql = "SELECT nextval('" + schema + ".stream_ids') FROM generate_series(1, ?)";
        // Most events have no tag: their tags are a constant rather than a literal parsed per row.
        // One statement: the events, their tags, the rows of new streams, the new highest position
        // and the notification (delivered after the commit).
        String events = "INSERT INTO " + t("event_journal") + " (global_position, persistence_id, stream_id, sequence_nr,"
                + " written_at, written_nanos, manifest, schema_version, tags, payload)"
                + " SELECT p, i, k, s, to_timestamp(w) + (n / 1000) * interval '1 microsecond', n, m, v,"
                + " CASE WHEN g = '{}' THEN '{}'::text[] ELSE g::text[] END, b"
                + " FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::int[], ?::text[], ?::int[],"
                + " ?::text[], ?::bytea[]) AS x(p, i, k, s, w, n, m, v, g, b)";
        String tags = "INSERT INTO " + t("event_tags") + " (tag, global_position) SELECT t, p FROM unnest(?::text[], ?::bigint[])"
                + " AS y(t, p)";
        String newStreams = "INSERT INTO " + t("streams") + " (persistence_id, stream_id, highest_sequence_nr, deleted_up_to)"
                + " SELECT i, k, h, 0 FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS z(i, k, h)";
        this.writeSql = "WITH ev AS (" + events + "), tg AS (" + tags + "), st AS (" + newStreams + " ON CONFLICT DO NOTHING),"
                + " g AS (UPDATE " + t("global_position") + " SET highest = ? WHERE id = 1 RETURNING highest)"
                + " SELECT pg_notify(?, highest::text) FROM g";
        // The same without the lock taken beforehand, run as a transaction of its own (appendAlone):
        // the position row is updated (and locked until the commit) only if the highest position is
        // still the expected one, and the rows are inserted only if it was. A stream taken for new
        // that exists makes the primary key of its row refuse the statement.
        String ifUnmoved = " WHERE EXISTS (SELECT 1 FROM g)";
        this.writeKnownSql = "WITH g AS (UPDATE " + t("global_position") + " SET highest = ? WHERE id = 1 AND highest = ?"
                + " RETURNING highest), ev AS (" + events + ifUnmoved + "), tg AS (" + tags + ifUnmoved + "), st AS ("
                + newStreams + ifUnmoved + ") SELECT pg_notify(?, highest::text) FROM g";
        // Behind a batch in flight (appendPipelined): the rows first, then the position
        // moves only if it is still the expected one. A stream taken for new that exists makes the
        // primary key of its row refuse the insert.
        this.insertSql = "SET LOCAL lock_timeout = '" + PIPELINED_LOCK_TIMEOUT_MS + "ms'; WITH ev AS (" + events
                + "), tg AS (" + tags + "), st AS (" + newStreams + ") SELECT 1";
        // The position and the commit in one round trip: if the position has moved, the statement
        // fails (a cast of a message that is no number: the transaction is aborted, so the COMMIT
        // sent with it does nothing) instead of updating no row.
        this.moveSql = "WITH g AS (UPDATE " + t("global_position") + " SET highest = ? WHERE id = 1 AND highest = ?"
                + " RETURNING highest) SELECT CASE WHEN (SELECT count(*) FROM g) = 1"
                + " THEN pg_notify(?, (SELECT highest FROM g)::text)::text ELSE (SELECT '" + POSITION_MOVED + "')::int::text END;"
                + " COMMIT";
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
        return open(dataSource, schema, 0);
    }

    /**
     * As {@link #open(DataSource, String)}, with batches of {@code splitAt} writes or more written
     * in two halves on two connections at once ({@code 0}: never, the default). Splitting pays off
     * when the database server has cores to spare for a second backend; on a machine it shares with
     * the application it costs more than it gains (see {@code docs/postgresql.md}).
     *
     * @throws IllegalArgumentException if {@code splitAt} is neither 0 nor from 2 to 1,000,000
     */
    public static PostgresStore open(DataSource dataSource, String schema, int splitAt) {
        return new PostgresStore("postgresql-datasource:" + schema, Objects.requireNonNull(dataSource, "dataSource"), null,
                schema, null, splitAt);
    }

    /** The largest {@code splitAt} accepted. */
    static final int MAX_SPLIT_AT = 1_000_000;

    static int checkSplitAt(int splitAt) {
        if (splitAt != 0 && (splitAt < 2 || splitAt > MAX_SPLIT_AT)) {
            throw new IllegalArgumentException("splitAt must be 0 (never split a batch) or from 2 to " + MAX_SPLIT_AT
                    + ", was " + splitAt);
        }
        return splitAt;
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

    /** Runs {@code hook} whenever a pipelined batch is about to move the position (for tests; null: none). */
    void beforePipelinedMove(Runnable hook) {
        journal.beforeMove = hook;
    }

    /** Batches written behind another batch still in flight (see {@code Journal.appendPipelined}). */
    long pipelinedBatches() {
        return journal.pipelined.sum();
    }

    /** Appends written in two halves at once (see {@code Journal.append}). */
    long splitAppends() {
        return journal.split.sum();
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
                    boolean poll = false;
                    // the payload is the new highest position: no query needed (poll if it is not)
                    for (PGNotification note : notes == null ? new PGNotification[0] : notes) {
                        try {
                            advance(Long.parseLong(note.getParameter()));
                        } catch (NumberFormatException e) {
                            poll = true;
                        }
                    }
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

        /** How many times an append under the lock is made before a refusal is reported. */
        private static final int LOCKED_ATTEMPTS = 5;
        /** Appends under the lock that must find no other writer before appends go without it again. */
        private static final int QUIET_APPENDS = 100;
        /** How many stream ids an append reserves beyond those it needs. */
        private static final int SPARE_STREAM_IDS = 1024;
        /**
         * SQL states of a refused append that wrote nothing and is worth making again under the
         * lock: unique violation, deadlock detected, lock not available (the lock timeout).
         */
        private static final Set<String> RETRYABLE = Set.of("23505", "40P01", "55P03");
        /** How many streams' highest sequence numbers {@link #known} keeps at most. */
        private static final int KNOWN_STREAMS = 100_000;

        /**
         * Guards what appends plan with: {@link #known}, {@link #knownAt}, the reserved stream ids
         * and the batches in flight. Appends under the position lock run holding it.
         */
        private final ReentrantLock appending = new ReentrantLock();
        /** Signalled when the last batch in flight is done. */
        private final Condition drained = appending.newCondition();
        /**
         * The highest sequence numbers of streams this store wrote or looked up, exact as long as the
         * highest global position is still {@link #knownAt}: every append that writes an event moves
         * that position, and nothing else changes a stream's highest sequence number (deletes keep
         * it). So when this store finds the position where its own last append left it, no one else
         * has written since, and these streams need no look-up. Batches in flight count as written
         * (if one fails, all of this is forgotten). Guarded by {@link #appending}.
         */
        private final Map<String, Known> known = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
                return size() > KNOWN_STREAMS;
            }
        };
        /** The highest position once every batch in flight is written; -1 when not known. */
        private long knownAt = -1;
        /** Stream ids reserved from the sequence for new streams and not used yet. Guarded by {@link #appending}. */
        private final ArrayDeque<Long> spareStreamIds = new ArrayDeque<>();
        /** Batches written without the lock and not done yet, and their streams. Guarded by {@link #appending}. */
        private int inFlight;
        private final Set<String> inFlightStreams = new HashSet<>();
        /** The batch planned last, while in flight. */
        private Batch last;
        /** Batches written by {@link #appendPipelined}. */
        final LongAdder pipelined = new LongAdder();
        /** Appends written in two halves. */
        final LongAdder split = new LongAdder();
        /** Run by a pipelined batch just before it moves the position (for tests). */
        volatile Runnable beforeMove;
        /** Set while an append waits for the batches in flight, so that no new one starts meanwhile. */
        private boolean draining;
        /**
         * Appends to make under the lock before writing without it again: set when another node's
         * append is seen, counted down by appends that find the position where this store left it.
         * Writing without the lock pays off when this store is the only writer; beside another
         * writer, rows at the same positions make the two wait for each other (see
         * {@link #appendPipelined}). Guarded by {@link #appending}.
         */
        private int lockedAppendsToGo;

        /**
         * Appends a batch; if the store splits batches and this one has at least {@code splitAt}
         * writes, it is cut in the middle into two halves written at once, so that the server
         * inserts the rows of both on two connections while the first one's commit waits for the
         * disk. Positions still follow the order of the writes: the first half is planned before
         * the second, the second is written behind it (see {@link #appendPipelined}), and a second
         * half that has to be appended under the lock waits until the first is done. A batch in
         * which a stream has writes on both sides of the cut is not split. A failure of either half
         * fails the whole append (the other half may have been written: outcome unknown).
         */
        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            Objects.requireNonNull(writes, "writes");
            if (splitAt == 0 || writes.size() < splitAt) return appendOne(writes);
            int cut = writes.size() / 2;
            Batch firstBatch = new Batch(writes.subList(0, cut));
            List<AtomicWrite> second = writes.subList(cut, writes.size());
            for (AtomicWrite w : second) {
                // one stream on both sides (the first half's streams are those it writes)
                if (firstBatch.streams.containsKey(w.persistenceId())) return appendOne(writes);
            }
            Batch secondBatch = new Batch(second);
            if (!plan(firstBatch)) return appendOne(writes); // it goes under the lock: so does the rest, in order
            split.increment();
            CompletableFuture<Void> firstDone = new CompletableFuture<>();
            CompletableFuture<List<WriteResult>> other = new CompletableFuture<>();
            boolean secondPlanned = false;
            try {
                // planned before the first half is written, so always written behind it
                secondPlanned = plan(secondBatch);
                boolean planned = secondPlanned;
                Thread.ofVirtual().name("perpetua-pg-append").start(() -> {
                    try {
                        other.complete(write(secondBatch, planned, firstDone));
                    } catch (Throwable t) {
                        other.completeExceptionally(t);
                    }
                });
            } catch (Throwable t) {
                if (secondPlanned) settle(secondBatch, false); // planned but never to be written
                other.completeExceptionally(t); // reported below, once the first half is written
            }
            List<WriteResult> results = new ArrayList<>(writes.size());
            try {
                results.addAll(write(firstBatch, true, null));
            } finally {
                firstDone.complete(null);
                // no write of this call may still be running once it returns or throws
                try {
                    other.join();
                } catch (CompletionException ignored) {
                    // reported below, unless this half failed first
                }
            }
            try {
                results.addAll(other.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
            return results;
        }

        /**
         * Appends one batch. When this store knows every stream of the batch (see {@link #known}),
         * the batch is planned under {@link #appending} and written outside it (see
         * {@link #appendAlone}), so that, when appends are made concurrently, a second batch can be
         * planned and sent while the first is still being written and flushed: its rows go in while
         * the first one's commit waits for the disk (see {@link #appendPipelined}). Otherwise, or if
         * that fails, the append looks the streams up under the position lock, once the batches in
         * flight are done.
         */
        private List<WriteResult> appendOne(List<AtomicWrite> writes) {
            if (writes.isEmpty()) return new ArrayList<>();
            Batch batch = new Batch(writes);
            return write(batch, plan(batch), null);
        }

        /**
         * Writes {@code batch}: as planned if {@code planned} (see {@link #plan}), else under the
         * lock, once {@code before} (if not null) is done.
         */
        private List<WriteResult> write(Batch batch, boolean planned, CompletableFuture<Void> before) {
            List<AtomicWrite> writes = batch.writes;
            if (planned) {
                boolean written = false;
                try {
                    written = batch.after == null ? appendAlone(batch) : appendPipelined(batch);
                } catch (SQLException e) {
                    // A unique key refused a row (another node wrote at these positions, or a stream
                    // taken for new exists), or a lock wait was given up: nothing was written.
                    if (!RETRYABLE.contains(e.getSQLState())) throw failure("append of " + writes.size() + " writes", e);
                    log.debug("append on {} without the lock was refused ({}); trying again under the lock", uri, e.getMessage());
                } finally {
                    settle(batch, written);
                }
                if (written) {
                    advance(batch.position);
                    return batch.results;
                }
            }
            if (before != null) before.join(); // never ahead of the writes before this batch
            return appendUnderLock(writes);
        }

        /**
         * Plans {@code batch} for {@link #appendPipelined} if every stream is known (or new: its
         * first write expects no event), none is in a batch in flight, and every write matches what
         * is known; then counts the batch in flight and takes its outcome as known. Returns false,
         * having changed nothing, otherwise (a conflict is reported only after a look under the lock).
         */
        private boolean plan(Batch batch) {
            appending.lock();
            try {
                if (knownAt < 0 || draining || lockedAppendsToGo > 0) return false;
                for (Map.Entry<String, Stream> e : batch.streams.entrySet()) {
                    if (inFlightStreams.contains(e.getKey())) return false;
                    Known k = known.get(e.getKey());
                    if (k != null) {
                        e.getValue().known(k.highest(), k.streamId());
                    } else if (e.getValue().firstExpected instanceof ExpectedSequence.Exactly x && x.sequenceNr() == 0) {
                        e.getValue().knownNew(); // if it does exist, its row's primary key refuses the write
                    } else {
                        return false;
                    }
                }
                batch.start = knownAt;
                batch.position = knownAt;
                if (batch.build() > 0) return false;
                if (batch.position == batch.start) return false; // every write was rejected: no need to hurry
                if (!takeSpareStreamIds(batch)) return false; // reserving more takes a round trip: under the lock
                inFlight++;
                inFlightStreams.addAll(batch.streams.keySet());
                batch.after = last;
                last = batch;
                remember(batch);
                return true;
            } finally {
                appending.unlock();
            }
        }

        /**
         * Takes {@code batch} out of flight; if it was not written, forgets what is known (batches
         * planned after it took it as written; they find the position elsewhere and write nothing).
         */
        private void settle(Batch batch, boolean written) {
            appending.lock();
            try {
                inFlight--;
                for (String id : batch.streams.keySet()) inFlightStreams.remove(id);
                if (last == batch) last = null;
                batch.after = null;
                batch.settled.complete(written);
                if (!written) {
                    known.clear();
                    knownAt = -1;
                    lockedAppendsToGo = QUIET_APPENDS;
                }
                if (inFlight == 0) drained.signalAll();
            } finally {
                appending.unlock();
            }
        }

        /** Records what a written (or planned) batch leaves: its streams' highest numbers and the position. */
        private void remember(Batch batch) {
            for (Map.Entry<String, Stream> e : batch.streams.entrySet()) {
                Stream s = e.getValue();
                if (s.known && s.highest > 0) known.put(e.getKey(), new Known(s.highest, s.streamId));
            }
            knownAt = Math.max(batch.start, batch.position);
        }

        /**
         * Writes a planned batch when no other is in flight: one statement in a transaction of its
         * own, one round trip with the commit. The position row is updated (and locked until the
         * commit) only if the highest position is still where the plan found it, and the rows are
         * inserted only if it was. Returns false, having written nothing, if the position had moved.
         */
        private boolean appendAlone(Batch batch) throws SQLException {
            try (Connection c = connection()) {
                if (!c.getAutoCommit()) c.setAutoCommit(true);
                try (PreparedStatement ps = c.prepareStatement(writeKnownSql)) {
                    ps.setLong(1, batch.position);
                    ps.setLong(2, batch.start);
                    ps.setString(batch.bind(ps, 3), channel);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next();
                    }
                }
            }
        }

        /**
         * Writes a planned batch while the one planned before it is in flight, without taking the
         * position lock first:
         * the rows go in at the positions planned (while the batch planned before this one may still
         * be writing or committing), then, once that batch is done, the highest position moves only
         * if it is still where the plan found it; the update takes the position row's lock until the
         * commit, so positions stay in commit order. Returns false, having written nothing, if the
         * position had moved or the batch before was not written. Two round trips: the rows, then the
         * position's move with the commit (sent together; a move that finds the position moved fails
         * the statement, so the commit does nothing); only the second waits for the batch before.
         *
         * <p>Rows at positions another node is writing make the insert wait for that node's commit
         * and then fail on the primary key. An append of another node under the position lock may in
         * turn wait for rows of this one while this one waits for the lock: the lock timeout ends
         * that wait, and the append is made again under the lock.
         */
        private boolean appendPipelined(Batch batch) throws SQLException {
            return inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(insertSql)) {
                    batch.bind(ps, 1);
                    executeAll(ps); // SET LOCAL, then the rows
                }
                if (batch.after != null && !written(batch.after)) {
                    c.rollback();
                    return false;
                }
                Runnable hook = beforeMove;
                if (hook != null) hook.run();
                try (PreparedStatement ps = c.prepareStatement(moveSql)) {
                    ps.setLong(1, batch.position);
                    ps.setLong(2, batch.start);
                    ps.setString(3, channel);
                    executeAll(ps); // the move, then the COMMIT
                } catch (SQLException e) {
                    if (!"22P02".equals(e.getSQLState()) || e.getMessage() == null || !e.getMessage().contains(POSITION_MOVED)) {
                        throw e;
                    }
                    c.rollback();
                    return false;
                }
                pipelined.increment();
                return true;
            });
        }

        /**
         * Whether {@code before}, the batch a pipelined batch is written behind, was written; false
         * also if it is not done within {@link #PIPELINED_LOCK_TIMEOUT_MS}. That bound ends a wait
         * the server cannot see: {@code before} may itself wait for the position lock, held by
         * another node's append under the lock, which waits for the rows the waiting batch has
         * inserted. Giving up rolls those rows back; the batch is then made again under the lock.
         */
        private static boolean written(Batch before) {
            try {
                return before.settled.get(PIPELINED_LOCK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) { // settled is only ever completed normally
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Runs every statement of {@code ps} (several, separated by semicolons), reading no result. */
        private static void executeAll(PreparedStatement ps) throws SQLException {
            ps.execute();
            while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
                // nothing to read
            }
        }

        /** Runs {@code work} in a transaction on a connection of the pool, rolling back if it throws. */
        private <T> T inTransaction(SqlWork<T> work) throws SQLException {
            try (Connection c = connection()) {
                c.setAutoCommit(false);
                try {
                    return work.run(c);
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
            }
        }

        /** The append under the position lock, once no batch is in flight; retried after a refusal (see {@link #RETRYABLE}). */
        private List<WriteResult> appendUnderLock(List<AtomicWrite> writes) {
            appending.lock();
            try {
                draining = true;
                try {
                    while (inFlight > 0) drained.awaitUninterruptibly();
                } finally {
                    draining = false;
                }
                for (int attempt = 1; ; attempt++) {
                    Batch batch = new Batch(writes);
                    long before = knownAt;
                    try {
                        appendLocked(batch, attempt == 1);
                    } catch (SQLException | RuntimeException e) {
                        known.clear();
                        knownAt = -1;
                        // A unique key refused a row (another node's rows at these positions, or a
                        // stream taken for new exists) or a lock wait was given up: the statement
                        // failed before the commit, so nothing was written. Each refusal by a unique
                        // key means another node wrote; look every stream up and try again, a few times.
                        if (attempt < LOCKED_ATTEMPTS && e instanceof SQLException se && RETRYABLE.contains(se.getSQLState())) {
                            log.debug("append on {} was refused; trying again with every stream looked up: {}", uri, e.getMessage());
                            continue;
                        }
                        if (e instanceof SQLException se) throw failure("append of " + writes.size() + " writes", se);
                        throw (RuntimeException) e;
                    }
                    if (before >= 0 && batch.start != before) {
                        lockedAppendsToGo = QUIET_APPENDS; // another node appended
                    } else if (before >= 0 && lockedAppendsToGo > 0) {
                        lockedAppendsToGo--;
                    }
                    remember(batch);
                    if (batch.position > batch.start) advance(batch.position);
                    return batch.results;
                }
            } finally {
                appending.unlock();
            }
        }

        /**
         * The append under the position lock, looking up what it does not know. Round trips: the
         * lock with the check of the streams' expectations (one), rarely a second look at streams
         * whose check failed, the write (one), the commit (one).
         */
        private void appendLocked(Batch batch, boolean useKnown) throws SQLException {
            inTransaction(c -> {
                lookUp(c, batch, useKnown);
                batch.position = batch.start;
                batch.build();
                if (batch.position > batch.start) {
                    reserveStreamIds(c, batch);
                    try (PreparedStatement ps = c.prepareStatement(writeSql)) {
                        int next = batch.bind(ps, 1);
                        ps.setLong(next++, batch.position);
                        ps.setString(next, channel);
                        ps.executeQuery().close();
                    }
                }
                c.commit();
                return null;
            });
        }

        /** Takes the position lock and finds the highest sequence number of every stream of the batch. */
        private void lookUp(Connection c, Batch batch, boolean useKnown) throws SQLException {
            Map<String, Stream> streams = batch.streams;
            // Checked with the lock, before knowing whether the position moved since this store's
            // last append: the streams it does not know. (If the position did move, the others are
            // checked afterwards.)
            boolean knowing = useKnown && knownAt >= 0;
            List<String> ids = new ArrayList<>(streams.size());
            for (String id : streams.keySet()) if (!knowing || !known.containsKey(id)) ids.add(id);
            try (PreparedStatement ps = c.prepareStatement(lockAndCheckSql)) {
                bindCheck(c, ps, ids, streams);
                ps.execute(); // SET LOCAL
                if (!ps.getMoreResults()) throw new SQLException("the position lock returned no result");
                try (ResultSet rs = ps.getResultSet()) {
                    rs.next();
                    batch.start = rs.getLong(1);
                }
                if (!ps.getMoreResults()) throw new SQLException("the check of the streams returned no result");
                readCheck(ps.getResultSet(), ids, streams);
            }
            if (knowing) {
                boolean current = batch.start == knownAt;
                List<String> more = new ArrayList<>();
                for (Map.Entry<String, Stream> e : streams.entrySet()) {
                    if (e.getValue().known) continue;
                    Known k = known.get(e.getKey());
                    if (k == null) continue;
                    if (current) {
                        e.getValue().known(k.highest(), k.streamId());
                    } else {
                        more.add(e.getKey());
                    }
                }
                if (!more.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(checkSql)) {
                        bindCheck(c, ps, more, streams);
                        readCheck(ps.executeQuery(), more, streams);
                    }
                }
            }
            List<String> lookUp = new ArrayList<>();
            for (Map.Entry<String, Stream> e : streams.entrySet()) if (!e.getValue().known) lookUp.add(e.getKey());
            if (lookUp.isEmpty()) return;
            // the expectation did not hold (or was "any"): find the highest sequence number itself
            try (PreparedStatement ps = c.prepareStatement(highestOfStreamsSql)) {
                ps.setArray(1, c.createArrayOf("text", lookUp.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long inJournal = rs.getLong(2);
                        boolean hasEvents = !rs.wasNull();
                        long recorded = rs.getLong(3);
                        long streamId = rs.getLong(4);
                        boolean hasRow = !rs.wasNull();
                        Stream s = streams.get(lookUp.get(rs.getInt(1) - 1));
                        if (!hasRow) {
                            s.knownNew(); // no row, so no event either
                        } else {
                            s.known(hasEvents ? inJournal : recorded, streamId);
                        }
                    }
                }
            }
        }

        /**
         * Gives each new stream the built batch writes an id from the sequence, reserving
         * {@value #SPARE_STREAM_IDS} more at a time, so that new streams cost a round trip now and
         * then, and a batch written without the lock finds its ids reserved (gaps in stream ids are
         * harmless).
         */
        private void reserveStreamIds(Connection c, Batch batch) throws SQLException {
            if (takeSpareStreamIds(batch)) return;
            try (PreparedStatement ps = c.prepareStatement(streamIdsSql)) {
                ps.setInt(1, streamIdsNeeded(batch) - spareStreamIds.size() + SPARE_STREAM_IDS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) spareStreamIds.add(rs.getLong(1));
                }
            }
            takeSpareStreamIds(batch);
        }

        /** Gives the batch's new streams ids reserved earlier; false, giving none, if too few are left. */
        private boolean takeSpareStreamIds(Batch batch) {
            if (streamIdsNeeded(batch) > spareStreamIds.size()) return false;
            for (Stream s : batch.newStreams) {
                if (s.streamId == 0) s.streamId = spareStreamIds.poll();
            }
            return true;
        }

        private static int streamIdsNeeded(Batch batch) {
            int needed = 0;
            for (Stream s : batch.newStreams) if (s.streamId == 0) needed++;
            return needed;
        }

        /** Binds the streams to check (those whose first write expects a sequence number) to the check. */
        private static void bindCheck(Connection c, PreparedStatement ps, List<String> ids, Map<String, Stream> streams)
                throws SQLException {
            List<String> checked = new ArrayList<>(ids.size());
            LongList expected = new LongList(ids.size());
            for (String id : ids) {
                if (streams.get(id).firstExpected instanceof ExpectedSequence.Exactly x) {
                    checked.add(id);
                    expected.add(x.sequenceNr());
                }
            }
            ids.clear();
            ids.addAll(checked);
            ps.setArray(1, c.createArrayOf("text", checked.toArray()));
            ps.setObject(2, expected.toArray());
        }

        /** The streams whose expectation holds become known; the others are looked up afterwards. */
        private static void readCheck(ResultSet result, List<String> ids, Map<String, Stream> streams) throws SQLException {
            try (ResultSet rs = result) {
                while (rs.next()) {
                    Stream s = streams.get(ids.get(rs.getInt(1) - 1));
                    long expected = ((ExpectedSequence.Exactly) s.firstExpected).sequenceNr();
                    long found = rs.getLong(2); // 0: neither, 1: only the expected, 2: only the next, 3: both
                    long streamId = rs.getLong(3);
                    boolean hasRow = !rs.wasNull();
                    if (expected > 0 && found == 1 && hasRow) {
                        s.known(expected, streamId);
                    } else if (expected == 0 && !hasRow) {
                        s.knownNew();
                    }
                }
            }
        }

        /** A PostgreSQL array literal ({@code text[]} input syntax) of the tags. */
        private static String arrayLiteral(Set<String> tags) {
            if (tags.isEmpty()) return "{}";
            StringBuilder b = new StringBuilder("{");
            for (String tag : tags) {
                if (b.length() > 1) b.append(',');
                b.append('"');
                for (int i = 0; i < tag.length(); i++) {
                    char ch = tag.charAt(i);
                    if (ch == '"' || ch == '\\') b.append('\\');
                    b.append(ch);
                }
                b.append('"');
            }
            return b.append('}').toString();
        }

        /** One append's writes, what it knows of their streams, and the rows and results it makes of them. */
        private final class Batch {
            final List<AtomicWrite> writes;
            final String[] rejections;
            /** The streams of the batch, each with the expectation of its first write. */
            final Map<String, Stream> streams = new LinkedHashMap<>();
            final List<WriteResult> results;
            /** Whether the batch was written, once it is done (for batches planned after it). */
            final CompletableFuture<Boolean> settled = new CompletableFuture<>();
            /** The batch planned just before this one, if it was still in flight then. */
            Batch after;
            /** The highest position before the batch, and after it. */
            long start;
            long position;
            private LongList positions;
            private List<String> eventIds;
            private LongList seqs;
            private LongList seconds;
            private int[] nanos;
            private List<String> manifests;
            private int[] versions;
            private List<String> tagLists;
            private byte[][] payloads;
            private final List<String> tagNames = new ArrayList<>();
            private final LongList tagPositions = new LongList(0);
            /** Each event's stream, whose id is read when binding (a new stream's is reserved after build). */
            private List<Stream> eventStreams;
            private final List<String> newIds = new ArrayList<>();
            private final List<Stream> newStreams = new ArrayList<>();
            private final LongList newHighest = new LongList(0);

            Batch(List<AtomicWrite> writes) {
                this.writes = writes;
                this.rejections = new String[writes.size()];
                this.results = new ArrayList<>(writes.size());
                for (int w = 0; w < writes.size(); w++) {
                    AtomicWrite write = writes.get(w);
                    rejections[w] = rejectionOf(write);
                    if (rejections[w] == null) streams.computeIfAbsent(write.persistenceId(), id -> new Stream(write.expected()));
                }
            }

            /**
             * Decides every write against the streams' highest sequence numbers (all known by now),
             * in list order, giving the accepted events their sequence numbers and positions from
             * {@link #position} on. Returns the number of conflicts.
             */
            int build() {
                int events = 0;
                for (int w = 0; w < writes.size(); w++) if (rejections[w] == null) events += writes.get(w).events().size();
                positions = new LongList(events);
                eventIds = new ArrayList<>(events);
                eventStreams = new ArrayList<>(events);
                seqs = new LongList(events);
                seconds = new LongList(events);
                nanos = new int[events];
                manifests = new ArrayList<>(events);
                versions = new int[events];
                tagLists = new ArrayList<>(events);
                payloads = new byte[events][];
                int ev = 0;
                int conflicts = 0;
                for (int w = 0; w < writes.size(); w++) {
                    AtomicWrite write = writes.get(w);
                    if (rejections[w] != null) {
                        results.add(new WriteResult.Rejected(rejections[w]));
                        continue;
                    }
                    Stream s = streams.get(write.persistenceId());
                    long highest = s.highest;
                    if (!write.expected().matches(highest)) {
                        results.add(new WriteResult.Conflict(write.expected(), highest));
                        conflicts++;
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
                        eventStreams.add(s);
                        seqs.add(seq);
                        Instant t = e.timestamp();
                        seconds.add(t.getEpochSecond());
                        nanos[ev] = t.getNano();
                        manifests.add(p.manifest());
                        versions[ev] = p.schemaVersion();
                        tagLists.add(arrayLiteral(e.tags()));
                        payloads[ev] = p.bytes();
                        ev++;
                        for (String tag : e.tags()) {
                            tagNames.add(tag);
                            tagPositions.add(position);
                        }
                        written[i++] = position;
                    }
                    s.highest = seq;
                    if (s.isNew && seq > highest) {
                        s.isNew = false;
                        newIds.add(write.persistenceId());
                        newStreams.add(s);
                        newHighest.add(seq);
                    }
                    results.add(new WriteResult.Written(highest + 1, written));
                }
                if (ev < nanos.length) {
                    nanos = Arrays.copyOf(nanos, ev);
                    versions = Arrays.copyOf(versions, ev);
                    payloads = Arrays.copyOf(payloads, ev);
                }
                return conflicts;
            }

            /**
             * Binds the events, the tags and the new streams from parameter {@code first} on; returns
             * the index of the next parameter. Arrays go in binary form (strings too: no quoting here,
             * no parsing on the server).
             */
            int bind(PreparedStatement ps, int first) throws SQLException {
                int i = first;
                ps.setObject(i++, positions.toArray());
                ps.setObject(i++, eventIds.toArray(String[]::new));
                ps.setObject(i++, streamIds(eventStreams));
                ps.setObject(i++, seqs.toArray());
                ps.setObject(i++, seconds.toArray());
                ps.setObject(i++, nanos);
                ps.setObject(i++, manifests.toArray(String[]::new));
                ps.setObject(i++, versions);
                ps.setObject(i++, tagLists.toArray(String[]::new));
                ps.setObject(i++, payloads);
                ps.setObject(i++, tagNames.toArray(String[]::new));
                ps.setObject(i++, tagPositions.toArray());
                ps.setObject(i++, newIds.toArray(String[]::new));
                ps.setObject(i++, streamIds(newStreams));
                ps.setObject(i++, newHighest.toArray());
                return i;
            }

            private static long[] streamIds(List<Stream> streams) {
                long[] ids = new long[streams.size()];
                for (int k = 0; k < ids.length; k++) ids[k] = streams.get(k).streamId;
                return ids;
            }
        }

        /** Seconds from 1970 to PostgreSQL's timestamp epoch, 2000-01-01. */
        private static final long PG_EPOCH_SECONDS = 946_684_800L;
        /** timestamptz's range in microseconds from its epoch: 4714-11-24 BC to 294277-01-01 (exclusive). */
        private static final long MIN_MICROS = -211_813_488_000_000_000L;
        private static final long END_MICROS = 9_223_371_331_200_000_000L;

        /**
         * Whether PostgreSQL's {@code timestamptz} holds {@code t} (to the microsecond; the event's
         * nanoseconds are kept in a column of their own). Checked per write so that one event out of
         * range rejects only its own write, not the statement and with it the whole batch.
         */
        private static boolean holdsTimestamp(Instant t) {
            try {
                long micros = Math.addExact(Math.multiplyExact(t.getEpochSecond() - PG_EPOCH_SECONDS, 1_000_000L),
                        t.getNano() / 1_000);
                return micros >= MIN_MICROS && micros < END_MICROS;
            } catch (ArithmeticException e) {
                return false;
            }
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
                if (!holdsTimestamp(e.timestamp())) {
                    return "event for '" + write.persistenceId() + "' has timestamp " + e.timestamp()
                            + ", outside what PostgreSQL's timestamptz holds (4713 BC to 294276 AD)";
                }
                boolean nul = p.manifest().indexOf('\0') >= 0;
                for (String tag : e.tags()) nul |= tag.indexOf('\0') >= 0;
                if (nul) return "a manifest or tag of an event for '" + write.persistenceId() + "' contains a NUL character";
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
                    + " WHERE stream_id = (SELECT stream_id FROM " + t("streams") + " WHERE persistence_id = ?)"
                    + " AND sequence_nr >= ? AND sequence_nr <= ? ORDER BY sequence_nr LIMIT ?",
                    persistenceId, fromSequenceNr, toSequenceNr, max);
        }

        private <T> T guardOpen(T value) {
            if (closed) throw new IllegalStateException("store " + uri + " is closed");
            return value;
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(highestSql)) {
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
                    long deleted;
                    long streamId;
                    try (PreparedStatement ps = c.prepareStatement("SELECT deleted_up_to, stream_id FROM "
                            + t("streams") + " WHERE persistence_id = ? FOR UPDATE")) {
                        ps.setString(1, persistenceId);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) {
                                c.rollback();
                                return;
                            }
                            deleted = rs.getLong(1);
                            streamId = rs.getLong(2);
                        }
                    }
                    // read after the row lock: deletes of one stream run one at a time; an append
                    // committing meanwhile only adds events above this highest, which stay
                    long highest;
                    try (PreparedStatement ps = c.prepareStatement(highestSql)) {
                        ps.setString(1, persistenceId);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            highest = rs.getLong(1);
                        }
                    }
                    long to = Math.min(toSequenceNr, highest);
                    if (to > deleted) {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("event_tags")
                                + " WHERE global_position IN (SELECT global_position FROM " + t("event_journal")
                                + " WHERE stream_id = ? AND sequence_nr <= ? AND cardinality(tags) > 0)")) {
                            ps.setLong(1, streamId);
                            ps.setLong(2, to);
                            ps.executeUpdate();
                        }
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t("event_journal")
                                + " WHERE stream_id = ? AND sequence_nr <= ?")) {
                            ps.setLong(1, streamId);
                            ps.setLong(2, to);
                            ps.executeUpdate();
                        }
                        // the stream's row keeps the highest number, for when no event of it is left
                        try (PreparedStatement ps = c.prepareStatement("UPDATE " + t("streams")
                                + " SET deleted_up_to = ?, highest_sequence_nr = greatest(highest_sequence_nr, ?)"
                                + " WHERE persistence_id = ?")) {
                            ps.setLong(1, to);
                            ps.setLong(2, highest);
                            ps.setString(3, persistenceId);
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

    /** Work on a connection that may throw {@link SQLException}. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** A stream's highest sequence number and id, as this store last wrote or found them. */
    private record Known(long highest, long streamId) {}

    /** What an append knows of one stream of its batch. */
    private static final class Stream {
        final ExpectedSequence firstExpected;
        long highest;
        /** Whether {@link #highest} is known (else it must be looked up). */
        boolean known;
        /** Whether the stream has no row yet (it never had an event). */
        boolean isNew;
        /** The stream's id in {@code streams}; for a new stream, one reserved for it (0 until then). */
        long streamId;

        Stream(ExpectedSequence firstExpected) {
            this.firstExpected = firstExpected;
        }

        void known(long highest, long streamId) {
            this.highest = highest;
            this.streamId = streamId;
            this.isNew = false;
            this.known = true;
        }

        void knownNew() {
            this.highest = 0;
            this.streamId = 0;
            this.isNew = true;
            this.known = true;
        }
    }

    /** A growable array of longs, bound as a PostgreSQL bigint[] in binary form. */
    private static final class LongList {
        private long[] values;
        private int size;

        LongList(int capacity) {
            values = new long[Math.max(capacity, 4)];
        }

        void add(long v) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        long get(int i) {
            return values[i];
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
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
