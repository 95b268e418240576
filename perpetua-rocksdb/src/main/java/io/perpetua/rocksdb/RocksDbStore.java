package io.perpetua.rocksdb;

import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CheckpointStore;
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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Journal, snapshots and checkpoints in one RocksDB directory.
 *
 * <p><b>Durability.</b> By default every {@code append}, snapshot save and checkpoint save returns
 * only after RocksDB's write-ahead log was synced to disk ({@code fsync}). Group commit makes that
 * one sync per batch of processes. {@link Durability#ACK_BEFORE_FSYNC} acknowledges once the write
 * is in the operating system's buffers: it survives a crash of the JVM, not of the machine.
 *
 * <p><b>Atomicity and order.</b> One {@code append} call is one {@link WriteBatch}: RocksDB's WAL
 * makes it all-or-nothing across a crash, and readers see it whole. Sequence numbers and global
 * positions are assigned under one lock, in the order of the writes. The highest of each is read
 * back from the last keys on open, and recorded before a delete removes events, so numbers are
 * never reused, also after deletes.
 *
 * <p><b>Write path.</b> An append is built as RocksDB's serialized batch in Java ({@link BatchBuilder})
 * and handed over in one JNI call; per event it writes the event and its global index entry (plus one
 * entry per tag). Event keys lead with a hash of the persistence id so that the memtable inserts each
 * event at its stream's previous insert position (see {@link Records.EventKeys}).
 *
 * <p><b>Integrity.</b> Every event and snapshot value carries a CRC32C; a value that fails it is
 * reported as a {@link io.perpetua.spi.CorruptDataException} naming the persistence id and sequence
 * number.
 *
 * <p><b>Ownership.</b> One process at a time owns the directory (RocksDB's lock file); a second
 * opener gets a {@link StoreException} saying the directory is in use.
 */
public final class RocksDbStore implements Store {

    /** When an acknowledged write is safe. */
    public enum Durability {
        /** Acknowledge after the write-ahead log is synced to disk (default): survives a power cut. */
        FSYNC,
        /** Acknowledge once the write is in the OS buffers: survives a JVM crash, not a power cut. */
        ACK_BEFORE_FSYNC
    }

    /** The largest event or snapshot payload accepted, in bytes. */
    public static final int MAX_PAYLOAD_BYTES = 32 << 20;

    private static final Logger log = LoggerFactory.getLogger(RocksDbStore.class);
    private static final byte[] GLOBAL_HIGHEST = "global-highest".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.UTF_8);
    private static final List<String> FAMILIES =
            List.of("default", "meta", "events", "global", "tags", "streams", "snapshots", "checkpoints");

    static {
        RocksDB.loadLibrary();
    }

    private final String uri;
    private final Path directory;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions, eventOptions, globalOptions;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle meta, events, global, tags, streams, snapshots, checkpoints;
    private final WriteOptions writeOptions;
    private final int eventsId, globalId, tagsId, streamsId;
    private final Records.EventKeys eventKeys;
    private final BatchBuilder batchBuilder = new BatchBuilder(); // used under the write lock
    private final ReentrantReadWriteLock open = new ReentrantReadWriteLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<String, StreamState> streamCache = new ConcurrentHashMap<>();
    private final List<StreamState> touched = new ArrayList<>(); // used under the write lock
    private final PositionSignal visible;
    private volatile boolean closed;
    private final Journal journal = new Journal();
    private final Snapshots snapshotStore = new Snapshots();
    private final Checkpoints checkpointStore = new Checkpoints();

    private RocksDbStore(String uri, Path directory, Durability durability) {
        this.uri = uri;
        this.directory = directory;
        checkDirectory(directory);
        // A torn last WAL record (a write that was never acknowledged) is tolerated after a crash;
        // corruption anywhere else stops the open instead of silently dropping later writes.
        this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2).setKeepLogFileNum(5)
                .setWalRecoveryMode(org.rocksdb.WALRecoveryMode.TolerateCorruptedTailRecords);
        // LZ4 rather than the default Snappy: less CPU in flushes and compactions (which share the
        // cores with the writers) for about the same size; tables written before keep their own.
        this.cfOptions = new ColumnFamilyOptions().setCompressionType(CompressionType.LZ4_COMPRESSION);
        this.eventOptions = hintedFamilyOptions(8).setCompressionType(CompressionType.LZ4_COMPRESSION);
        this.globalOptions = hintedFamilyOptions(1).setCompressionType(CompressionType.LZ4_COMPRESSION);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8),
                    name.equals("events") ? eventOptions : name.equals("global") ? globalOptions : cfOptions));
        }
        this.handles = new ArrayList<>();
        try {
            this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            eventOptions.close();
            globalOptions.close();
            cfOptions.close();
            dbOptions.close();
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("lock") || msg.contains("LOCK")) {
                throw new StoreException("store directory " + directory + " is in use by another process (or already open "
                        + "in this one); only one process may open it at a time");
            }
            throw new StoreException("cannot open RocksDB store in " + directory + ": " + msg, e);
        }
        meta = handles.get(1);
        events = handles.get(2);
        global = handles.get(3);
        tags = handles.get(4);
        streams = handles.get(5);
        snapshots = handles.get(6);
        checkpoints = handles.get(7);
        eventsId = events.getID();
        globalId = global.getID();
        tagsId = tags.getID();
        streamsId = streams.getID();
        writeOptions = new WriteOptions().setSync(durability == Durability.FSYNC);
        long initialHighest;
        try {
            byte[] format = db.get(meta, FORMAT_KEY);
            if (format == null) { // a new store (every store ever opened has its format recorded)
                format = new byte[] {Records.STORE_FORMAT_HASHED_KEYS};
                db.put(meta, writeOptions, FORMAT_KEY, format);
            }
            if (format.length != 1 || (format[0] != Records.STORE_FORMAT_PLAIN_KEYS
                    && format[0] != Records.STORE_FORMAT_HASHED_KEYS)) {
                throw new StoreException("the store in " + directory + " has format " + Arrays.toString(format)
                        + ", which this version of Perpetua cannot read (it reads formats 1 and 2)");
            }
            eventKeys = format[0] == Records.STORE_FORMAT_PLAIN_KEYS ? Records.EventKeys.PLAIN : Records.EventKeys.HASHED;
            initialHighest = storedHighestPosition();
        } catch (RocksDBException e) {
            closeHandles();
            throw new StoreException("cannot read the store's metadata in " + directory + ": " + e.getMessage(), e);
        } catch (StoreException e) {
            closeHandles();
            throw e;
        }
        visible = new PositionSignal(initialHighest);
        log.info("opened RocksDB store {} (durability {})", directory, durability);
    }

    /**
     * The options of a family written in runs of related keys: the defaults, and a memtable insert
     * hint per key prefix of {@code prefixLength} bytes. Events arrive for many streams in turn; with
     * the hash of the persistence id leading each key ({@link Records.EventKeys#HASHED}, prefix 8) the
     * memtable keeps where each stream's last event went and inserts the next one there, instead of
     * searching its skip list from the top for every event (which was about a quarter of the write
     * path's CPU). The global index is written in increasing positions, so one hint for the whole
     * family (the positions' first byte, the same below 2^56) puts each entry right after the last.
     * The hint changes no key order and nothing on disk. RocksJava has no setter for it, hence the
     * options string.
     */
    private static ColumnFamilyOptions hintedFamilyOptions(int prefixLength) {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("memtable_insert_with_hint_prefix_extractor", "rocksdb.FixedPrefix." + prefixLength);
        try (org.rocksdb.ConfigOptions config = new org.rocksdb.ConfigOptions()) {
            ColumnFamilyOptions options = ColumnFamilyOptions.getColumnFamilyOptionsFromProps(config, props);
            if (options == null) throw new IllegalStateException("RocksDB refused the family options " + props);
            return options;
        }
    }

    /** Opens (creating if needed) the store in {@code directory}. */
    public static RocksDbStore open(Path directory, Durability durability) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(durability, "durability");
        return new RocksDbStore("rocksdb:" + directory, directory.toAbsolutePath().normalize(), durability);
    }

    static RocksDbStore open(String uri, Path directory, Durability durability) {
        return new RocksDbStore(uri, directory.toAbsolutePath().normalize(), durability);
    }

    /** Refuses a path that is a file, or a non-empty directory that is not a Perpetua RocksDB store. */
    private static void checkDirectory(Path directory) {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new StoreException(directory + " is a file, not a Perpetua store directory");
        }
        if (!Files.isDirectory(directory)) return;
        boolean empty;
        try (var list = Files.list(directory)) {
            empty = list.findAny().isEmpty();
        } catch (IOException e) {
            throw new StoreException("cannot read directory " + directory + ": " + e.getMessage(), e);
        }
        if (empty) return;
        if (!Files.exists(directory.resolve("CURRENT"))) {
            throw new StoreException(directory + " is not a Perpetua store (it holds other files and no RocksDB database)");
        }
        try (Options options = new Options()) {
            List<byte[]> families = RocksDB.listColumnFamilies(options, directory.toString());
            boolean ours = families.stream().anyMatch(f -> Arrays.equals(f, "meta".getBytes(StandardCharsets.UTF_8)))
                    && families.stream().anyMatch(f -> Arrays.equals(f, "events".getBytes(StandardCharsets.UTF_8)));
            if (!ours) throw new StoreException(directory + " is a RocksDB database but not a Perpetua store");
        } catch (RocksDBException e) {
            throw new StoreException("cannot read the RocksDB database in " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String uri() {
        return uri;
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
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
        open.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            visible.close();
            closeHandles();
        } finally {
            open.writeLock().unlock();
        }
        log.info("closed RocksDB store {}", directory);
    }

    private void closeHandles() {
        try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, handles); // a reopen then reads tables instead of replaying the log
        } catch (RocksDBException e) {
            log.warn("flushing {} on close failed; the log will be replayed on open: {}", directory, e.getMessage());
        }
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            log.warn("syncing the WAL of {} on close failed: {}", directory, e.getMessage());
        }
        for (ColumnFamilyHandle h : handles) h.close();
        db.close();
        writeOptionsClose();
        eventOptions.close();
        globalOptions.close();
        cfOptions.close();
        dbOptions.close();
    }

    private void writeOptionsClose() {
        if (writeOptions != null) writeOptions.close();
    }

    /** Runs {@code op} while the store is open; RocksDB handles must never be used after close. */
    private <T> T guarded(Supplier<T> op) {
        open.readLock().lock();
        try {
            if (closed) throw new IllegalStateException("store " + uri + " is closed");
            return op.get();
        } finally {
            open.readLock().unlock();
        }
    }

    /**
     * A read that RocksDB could not complete: its own checksums caught corruption (reported, like a
     * failed value checksum, with the persistence id and the first sequence number not returned), or
     * another error.
     */
    private static StoreException readFailure(RocksDBException e, String persistenceId, long sequenceNr) {
        if (e.getStatus() != null && e.getStatus().getCode() == org.rocksdb.Status.Code.Corruption) {
            return new io.perpetua.spi.CorruptDataException(persistenceId, sequenceNr,
                    "RocksDB reports corruption on disk: " + e.getMessage());
        }
        return new StoreException("reading '" + persistenceId + "' from sequence number " + sequenceNr + " failed: "
                + e.getMessage(), e);
    }

    private static StoreException failure(String what, RocksDBException e) {
        return new StoreException(what + " failed: " + e.getMessage(), e);
    }

    private static void checkMax(int max) {
        if (max < 0) throw new IllegalArgumentException("max must be >= 0, was " + max);
    }

    /**
     * The highest global position ever assigned: the last key of the global index, or the position
     * recorded in {@code meta} by the last delete (which may have removed the highest events).
     */
    private long storedHighestPosition() throws RocksDBException {
        byte[] recorded = db.get(meta, GLOBAL_HIGHEST);
        long highest = recorded == null ? 0 : Records.longOf(recorded);
        try (RocksIterator it = db.newIterator(global)) {
            it.seekToLast();
            if (it.isValid()) highest = Math.max(highest, Records.longOf(it.key()));
            it.status();
        }
        return highest;
    }

    /**
     * What the store knows of one stream: its key bytes, and its highest sequence number and how far
     * it is deleted as written. Only the writer (under the write lock) fills the cache and changes
     * an entry, so a reader can never put back a value older than a write; readers see the written
     * values through the volatile fields. {@link #pending} is the highest sequence number of the
     * append being built, which becomes {@link #highest} only once RocksDB has written it.
     */
    private static final class StreamState {
        static final long NONE = -1;

        final String id;
        final byte[] idBytes;
        final long idHash;
        volatile long highest;
        volatile long deletedUpTo;
        long pending = NONE; // under the write lock

        StreamState(String id, Records.EventKeys keys, long highest, long deletedUpTo) {
            this.id = id;
            this.idBytes = id.getBytes(StandardCharsets.UTF_8);
            this.idHash = keys.hashBytes > 0 ? Records.hash(idBytes) : 0;
            this.highest = highest;
            this.deletedUpTo = deletedUpTo;
        }
    }

    /**
     * A stream's state, from the cache or from disk; a writer (holding the write lock) caches what
     * it reads, a reader does not.
     */
    private StreamState stream(String id) throws RocksDBException {
        StreamState cached = streamCache.get(id);
        if (cached != null) return cached;
        long[] s = storedStream(id);
        StreamState state = new StreamState(id, eventKeys, s[0], s[1]);
        if (writeLock.isHeldByCurrentThread()) streamCache.put(id, state);
        return state;
    }

    /**
     * {highest, deletedUpTo} as stored: the streams family holds a stream's entry from its first
     * event on (and the highest sequence number as of the last delete); the highest is the larger of
     * that and the stream's last event key.
     */
    private long[] storedStream(String id) throws RocksDBException {
        byte[] v = db.get(streams, id.getBytes(StandardCharsets.UTF_8));
        if (v == null) return new long[] {0, 0};
        long highest = Records.longOf(v);
        long deletedUpTo = ByteBuffer.wrap(v).getLong(8);
        byte[] prefix = eventKeys.prefix(id);
        try (RocksIterator it = db.newIterator(events)) {
            it.seekForPrev(eventKeys.key(id, Long.MAX_VALUE));
            if (it.isValid() && Records.hasPrefix(it.key(), prefix)) highest = Math.max(highest, Records.seqOf(it.key()));
            it.status();
        }
        return new long[] {highest, deletedUpTo};
    }

    private static byte[] streamValue(long highest, long deletedUpTo) {
        return ByteBuffer.allocate(16).putLong(highest).putLong(deletedUpTo).array();
    }

    // ================================================================== journal

    private final class Journal implements EventJournal {

        @Override
        public List<WriteResult> append(List<AtomicWrite> writes) {
            Objects.requireNonNull(writes, "writes");
            return guarded(() -> {
                writeLock.lock();
                try {
                    return appendLocked(writes);
                } finally {
                    writeLock.unlock();
                }
            });
        }

        private List<WriteResult> appendLocked(List<AtomicWrite> writes) {
            List<WriteResult> results = new ArrayList<>(writes.size());
            long position = visible.highest(); // positions are assigned under the write lock
            BatchBuilder batch = batchBuilder.reset();
            boolean written = false;
            try {
                for (int w = 0; w < writes.size(); w++) {
                    AtomicWrite write = writes.get(w);
                    String rejection = rejectionOf(write);
                    if (rejection != null) {
                        results.add(new WriteResult.Rejected(rejection));
                        continue;
                    }
                    StreamState s = stream(write.persistenceId());
                    long highest = s.pending != StreamState.NONE ? s.pending : s.highest;
                    if (!write.expected().matches(highest)) {
                        results.add(new WriteResult.Conflict(write.expected(), highest));
                        continue;
                    }
                    List<EventData> events = write.events();
                    long[] positions = new long[events.size()];
                    long seq = highest;
                    for (int i = 0; i < events.size(); i++) {
                        EventData e = events.get(i);
                        seq++;
                        position++;
                        batch.putEvent(eventKeys, eventsId, globalId, s.idBytes, s.idHash, seq, position, e.timestamp(),
                                e.tags(), (Payload.Serialized) e.payload());
                        if (!e.tags().isEmpty()) {
                            byte[] key = eventKeys.key(s.id, seq);
                            for (String tag : e.tags()) batch.put(tagsId, Records.key(tag, position), key);
                        }
                        positions[i] = position;
                    }
                    if (s.pending == StreamState.NONE) touched.add(s);
                    s.pending = seq;
                    // the stream's entry is written with its first event only: the highest sequence
                    // number is its last event key (or, after deletes, the number the entry records)
                    if (highest == 0) batch.put(streamsId, s.idBytes, streamValue(seq, s.deletedUpTo));
                    results.add(new WriteResult.Written(highest + 1, positions));
                }
                if (touched.isEmpty()) return results;
                try (WriteBatch built = batch.build()) {
                    db.write(writeOptions, built);
                }
                written = true;
            } catch (RocksDBException | RuntimeException e) {
                streamCache.clear(); // the outcome is unknown: reload what is on disk
                reloadHighestPosition();
                if (e instanceof RocksDBException r) throw failure("append of " + writes.size() + " writes to " + directory, r);
                throw new StoreException("append of " + writes.size() + " writes to " + directory + " failed: " + e, e);
            } finally {
                for (int i = 0; i < touched.size(); i++) {
                    StreamState s = touched.get(i);
                    if (written) s.highest = s.pending;
                    s.pending = StreamState.NONE;
                }
                touched.clear();
                batch.reset();
            }
            visible.advance(position);
            return results;
        }

        private void reloadHighestPosition() {
            try {
                visible.advance(storedHighestPosition()); // a write that did land
            } catch (RocksDBException ignored) {
                // the next append will fail as well and try again
            }
        }

        private String rejectionOf(AtomicWrite write) {
            for (EventData e : write.events()) {
                if (!(e.payload() instanceof Payload.Serialized p)) {
                    return "the RocksDB store stores bytes: event for '" + write.persistenceId()
                            + "' was not serialized (configure a serializer)";
                }
                if (p.bytes().length > MAX_PAYLOAD_BYTES) {
                    return "event of " + p.bytes().length + " bytes for '" + write.persistenceId()
                            + "' exceeds the RocksDB store's limit of " + MAX_PAYLOAD_BYTES + " bytes";
                }
                if (p.manifest().length() > 0xFFFF / 3 && p.manifest().getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
                    return "manifest of an event for '" + write.persistenceId() + "' is longer than 65535 bytes";
                }
                for (String tag : e.tags()) {
                    if ((tag.length() > 0xFFFF / 3 && tag.getBytes(StandardCharsets.UTF_8).length > 0xFFFF)
                            || tag.indexOf('\0') >= 0) {
                        return "tag of an event for '" + write.persistenceId()
                                + "' is longer than 65535 bytes or contains a NUL character";
                    }
                }
            }
            return null;
        }

        /** The page size from which a stream read is a scan that bypasses the block cache. */
        private static final int SCAN_PAGE = 256;

        @Override
        public List<StoredEvent> read(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            checkMax(max);
            Objects.requireNonNull(persistenceId, "persistenceId");
            return guarded(() -> {
                if (max == 0 || fromSequenceNr > toSequenceNr || toSequenceNr < 1) return new ArrayList<>();
                return readPage(persistenceId, fromSequenceNr, toSequenceNr, max);
            });
        }

        /**
         * One page of a stream, read now. A page of {@link #SCAN_PAGE} events or more is a scan (a
         * recovery, a catch-up) that reads each block once: its blocks are not put in the block cache,
         * where they would evict blocks other readers use again, and inserting and evicting them cost
         * about a fifth of such a read.
         */
        private List<StoredEvent> readPage(String persistenceId, long fromSequenceNr, long toSequenceNr, int max) {
            long from = Math.max(1, fromSequenceNr);
            // the loop ends on its count, not on the end of the stream, when the stream is complete:
            // a path first taken by the last page of a long read would make the JIT discard the
            // compiled loop at the end of every such read
            int limit = (int) Math.min(max, toSequenceNr - from + 1);
            List<StoredEvent> out = new ArrayList<>(Math.min(limit, 1024));
            byte[] prefix = eventKeys.prefix(persistenceId);
            // the iterator stops at the end of the stream (the prefix's successor) by itself; keys
            // and values are copied into arrays reused for the whole page
            byte[] end = prefix.clone();
            end[end.length - 1] = 1;
            byte[] key = new byte[prefix.length + 8];
            byte[] value = new byte[1024];
            Records.EventDecoder decoder = new Records.EventDecoder();
            try (Slice upper = new Slice(end);
                    ReadOptions ro = new ReadOptions().setIterateUpperBound(upper).setFillCache(max < SCAN_PAGE);
                    RocksIterator it = db.newIterator(events, ro)) {
                it.seek(eventKeys.key(persistenceId, from));
                for (int i = 0; i < limit; i++) {
                    if (i > 0) it.next();
                    if (!it.isValid() || it.key(key) != key.length || !Records.hasPrefix(key, prefix)) break;
                    long seq = Records.seqOf(key);
                    if (seq > toSequenceNr) break;
                    int length = it.value(value);
                    if (length > value.length) {
                        value = new byte[Math.max(length, value.length * 2)];
                        it.value(value);
                    }
                    out.add(decoder.decode(persistenceId, seq, value, length));
                }
                try {
                    it.status();
                } catch (RocksDBException e) {
                    long next = out.isEmpty() ? from : out.getLast().sequenceNr() + 1;
                    throw readFailure(e, persistenceId, next);
                }
            }
            return out;
        }

        @Override
        public long highestSequenceNr(String persistenceId) {
            return guarded(() -> {
                try {
                    return stream(persistenceId).highest;
                } catch (RocksDBException e) {
                    throw failure("reading the highest sequence number of '" + persistenceId + "'", e);
                }
            });
        }

        @Override
        public void deleteUpTo(String persistenceId, long toSequenceNr) {
            guarded(() -> {
                writeLock.lock();
                try (WriteBatch batch = new WriteBatch()) {
                    StreamState s = stream(persistenceId);
                    long to = Math.min(toSequenceNr, s.highest);
                    if (to <= s.deletedUpTo) return null;
                    byte[] prefix = eventKeys.prefix(persistenceId);
                    try (RocksIterator it = db.newIterator(events)) {
                        for (it.seek(eventKeys.key(persistenceId, s.deletedUpTo + 1)); it.isValid(); it.next()) {
                            byte[] key = it.key();
                            if (!Records.hasPrefix(key, prefix) || Records.seqOf(key) > to) break;
                            StoredEvent e = Records.decodeEvent(persistenceId, Records.seqOf(key), it.value());
                            batch.delete(events, key);
                            batch.delete(global, Records.position(e.globalPosition()));
                            for (String tag : e.tags()) batch.delete(tags, Records.key(tag, e.globalPosition()));
                        }
                    }
                    batch.put(streams, s.idBytes, streamValue(s.highest, to));
                    // the deleted events may hold the highest positions: keep it so none is reused
                    batch.put(meta, GLOBAL_HIGHEST, Records.position(visible.highest()));
                    db.write(writeOptions, batch);
                    s.deletedUpTo = to;
                    return null;
                } catch (RocksDBException e) {
                    streamCache.remove(persistenceId);
                    throw failure("deleting events of '" + persistenceId + "' up to " + toSequenceNr, e);
                } finally {
                    writeLock.unlock();
                }
            });
        }

        @Override
        public List<StoredEvent> readAll(long fromPosition, int max) {
            checkMax(max);
            return guarded(() -> readIndex(global, Records.position(Math.max(0, fromPosition)), null, max));
        }

        @Override
        public List<StoredEvent> readByTag(String tag, long fromPosition, int max) {
            checkMax(max);
            Objects.requireNonNull(tag, "tag");
            return guarded(() -> readIndex(tags, Records.key(tag, Math.max(0, fromPosition)), Records.prefix(tag), max));
        }

        /** Follows an index family (global or tag) from {@code start} and loads the events it points to. */
        private List<StoredEvent> readIndex(ColumnFamilyHandle index, byte[] start, byte[] prefix, int max) {
            List<StoredEvent> out = new ArrayList<>();
            if (max == 0) return out;
            Snapshot snapshot = db.getSnapshot();
            try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(index, ro)) {
                List<byte[]> keys = new ArrayList<>();
                for (it.seek(start); it.isValid() && keys.size() < max; it.next()) {
                    if (prefix != null && !Records.hasPrefix(it.key(), prefix)) break;
                    keys.add(it.value());
                }
                it.status();
                if (keys.isEmpty()) return out;
                List<ColumnFamilyHandle> families = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) families.add(events);
                List<byte[]> values;
                try {
                    values = db.multiGetAsList(ro, families, keys);
                } catch (RocksDBException e) {
                    throw readFailure(e, eventKeys.idOf(keys.getFirst()), Records.seqOf(keys.getFirst()));
                }
                for (int i = 0; i < keys.size(); i++) {
                    byte[] v = values.get(i);
                    if (v == null) continue; // deleted between index and event: cannot happen under one snapshot
                    byte[] key = keys.get(i);
                    out.add(Records.decodeEvent(eventKeys.idOf(key), Records.seqOf(key), v));
                }
                return out;
            } catch (RocksDBException e) {
                throw failure("reading the journal of " + directory, e);
            } finally {
                db.releaseSnapshot(snapshot);
            }
        }

        @Override
        public List<String> persistenceIds(String afterId, int max) {
            checkMax(max);
            Objects.requireNonNull(afterId, "afterId");
            return guarded(() -> {
                List<String> out = new ArrayList<>();
                byte[] after = afterId.getBytes(StandardCharsets.UTF_8);
                try (RocksIterator it = db.newIterator(streams)) {
                    for (it.seek(after); it.isValid() && out.size() < max; it.next()) {
                        if (Arrays.equals(it.key(), after)) continue;
                        out.add(new String(it.key(), StandardCharsets.UTF_8));
                    }
                    it.status();
                } catch (RocksDBException e) {
                    throw failure("listing the persistence ids of " + directory, e);
                }
                return out;
            });
        }

        @Override
        public long highestGlobalPosition() {
            return guarded(visible::highest);
        }

        @Override
        public long awaitGlobalPosition(long afterPosition, Duration timeout) throws InterruptedException {
            guarded(() -> null);
            return visible.await(afterPosition, timeout);
        }
    }

    // ================================================================== snapshots

    private final class Snapshots implements SnapshotStore {

        @Override
        public void save(SnapshotRecord snapshot) {
            Objects.requireNonNull(snapshot, "snapshot");
            if (!(snapshot.payload() instanceof Payload.Serialized p)) {
                throw new IllegalArgumentException("the RocksDB store stores bytes: the snapshot of '"
                        + snapshot.persistenceId() + "' was not serialized (configure a serializer)");
            }
            if (p.bytes().length > MAX_PAYLOAD_BYTES) {
                throw new IllegalArgumentException("snapshot of " + p.bytes().length + " bytes for '"
                        + snapshot.persistenceId() + "' exceeds the RocksDB store's limit of " + MAX_PAYLOAD_BYTES + " bytes");
            }
            guarded(() -> {
                try {
                    db.put(snapshots, writeOptions, Records.key(snapshot.persistenceId(), snapshot.sequenceNr()),
                            Records.encodeSnapshot(snapshot));
                    return null;
                } catch (RocksDBException e) {
                    throw failure("saving the snapshot of '" + snapshot.persistenceId() + "'", e);
                }
            });
        }

        @Override
        public Optional<SnapshotRecord> loadLatest(String persistenceId, SnapshotCriteria criteria) {
            Objects.requireNonNull(criteria, "criteria");
            return guarded(() -> {
                byte[] prefix = Records.prefix(persistenceId);
                try (RocksIterator it = db.newIterator(snapshots)) {
                    for (it.seekForPrev(Records.key(persistenceId, Math.max(0, criteria.maxSequenceNr())));
                            it.isValid(); it.prev()) {
                        byte[] key = it.key();
                        if (!Records.hasPrefix(key, prefix)) break;
                        long seq = Records.seqOf(key);
                        if (seq < criteria.minSequenceNr()) break;
                        byte[] value = it.value();
                        if (criteria.matches(seq, Records.snapshotTimestamp(persistenceId, seq, value))) {
                            return Optional.of(Records.decodeSnapshot(persistenceId, seq, value));
                        }
                    }
                }
                return Optional.empty();
            });
        }

        @Override
        public void delete(String persistenceId, long sequenceNr) {
            guarded(() -> {
                try {
                    db.delete(snapshots, writeOptions, Records.key(persistenceId, sequenceNr));
                    return null;
                } catch (RocksDBException e) {
                    throw failure("deleting snapshot " + sequenceNr + " of '" + persistenceId + "'", e);
                }
            });
        }

        @Override
        public void delete(String persistenceId, SnapshotCriteria criteria) {
            guarded(() -> {
                byte[] prefix = Records.prefix(persistenceId);
                try (WriteBatch batch = new WriteBatch(); RocksIterator it = db.newIterator(snapshots)) {
                    for (it.seek(Records.key(persistenceId, Math.max(0, criteria.minSequenceNr()))); it.isValid(); it.next()) {
                        byte[] key = it.key();
                        if (!Records.hasPrefix(key, prefix)) break;
                        long seq = Records.seqOf(key);
                        if (seq > criteria.maxSequenceNr()) break;
                        if (criteria.matches(seq, Records.snapshotTimestamp(persistenceId, seq, it.value()))) {
                            batch.delete(snapshots, key);
                        }
                    }
                    if (batch.count() > 0) db.write(writeOptions, batch);
                    return null;
                } catch (RocksDBException e) {
                    throw failure("deleting snapshots of '" + persistenceId + "'", e);
                }
            });
        }
    }

    // ================================================================== checkpoints

    private final class Checkpoints implements CheckpointStore {

        @Override
        public void save(String name, long position) {
            byte[] key = checkName(name);
            guarded(() -> {
                try {
                    db.put(checkpoints, writeOptions, key, Records.position(position));
                    return null;
                } catch (RocksDBException e) {
                    throw failure("saving checkpoint '" + name + "'", e);
                }
            });
        }

        @Override
        public OptionalLong load(String name) {
            byte[] key = checkName(name);
            return guarded(() -> {
                try {
                    byte[] v = db.get(checkpoints, key);
                    return v == null ? OptionalLong.empty() : OptionalLong.of(Records.longOf(v));
                } catch (RocksDBException e) {
                    throw failure("loading checkpoint '" + name + "'", e);
                }
            });
        }

        @Override
        public void delete(String name) {
            byte[] key = checkName(name);
            guarded(() -> {
                try {
                    db.delete(checkpoints, writeOptions, key);
                    return null;
                } catch (RocksDBException e) {
                    throw failure("deleting checkpoint '" + name + "'", e);
                }
            });
        }

        @Override
        public List<String> names() {
            return guarded(() -> {
                List<String> out = new ArrayList<>();
                try (RocksIterator it = db.newIterator(checkpoints)) {
                    for (it.seekToFirst(); it.isValid(); it.next()) out.add(new String(it.key(), StandardCharsets.UTF_8));
                }
                return out;
            });
        }

        private static byte[] checkName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("checkpoint name must not be null or blank: '" + name + "'");
            }
            return name.getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public String toString() {
        return "RocksDbStore[" + directory + "]";
    }

}
