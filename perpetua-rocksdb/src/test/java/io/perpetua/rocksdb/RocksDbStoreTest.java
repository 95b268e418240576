package io.perpetua.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CorruptDataException;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

/** What the RocksDB store promises beyond the conformance suite. */
class RocksDbStoreTest {

    private static EventData event(String text, String... tags) {
        return new EventData(new Payload.Serialized("text", 1, text.getBytes(StandardCharsets.UTF_8)), Set.of(tags),
                Instant.now());
    }

    private static void append(Store store, String id, String... texts) {
        List<EventData> events = java.util.Arrays.stream(texts).map(t -> event(t, "t")).toList();
        store.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.any(), events)));
    }

    @Test
    void events_snapshots_and_checkpoints_survive_close_and_reopen() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir)) {
            append(store, "a", "one", "two");
            append(store, "b", "three");
            store.snapshots().save(new SnapshotRecord("a", 2, Instant.now(), new Payload.Serialized("s", 1, new byte[] {7})));
            store.checkpoints().save("projection", 3);
        }
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().read("a", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L);
            assertThat(store.journal().readAll(1, 10)).extracting(StoredEvent::globalPosition).containsExactly(1L, 2L, 3L);
            assertThat(store.journal().readByTag("t", 1, 10)).hasSize(3);
            assertThat(store.snapshots().loadLatest("a", SnapshotCriteria.latest())).isPresent();
            assertThat(store.checkpoints().load("projection")).hasValue(3);
            assertThat(store.journal().highestGlobalPosition()).isEqualTo(3);
        }
    }

    @Test
    void numbering_continues_after_everything_is_deleted_and_the_store_reopened() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir)) {
            append(store, "a", "one", "two");
            store.journal().deleteUpTo("a", Long.MAX_VALUE);
        }
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().highestSequenceNr("a")).isEqualTo(2);
            append(store, "a", "three");
            StoredEvent e = store.journal().read("a", 1, 10, 10).getFirst();
            assertThat(e.sequenceNr()).isEqualTo(3);
            assertThat(e.globalPosition()).as("global positions are never reused").isEqualTo(3);
        }
    }

    @Test
    void numbers_continue_from_the_last_event_after_partial_deletes_and_a_reopen() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir)) {
            append(store, "a", "one", "two", "three");
            store.journal().deleteUpTo("a", 1);
            append(store, "a", "four", "five");
            append(store, "b", "six");
            store.journal().deleteUpTo("b", 1); // the event with the highest position is gone
        }
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().highestSequenceNr("a")).isEqualTo(5);
            assertThat(store.journal().highestSequenceNr("b")).isEqualTo(1);
            assertThat(store.journal().highestGlobalPosition()).isEqualTo(6);
            append(store, "a", "seven");
            append(store, "b", "eight");
            assertThat(store.journal().read("a", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(2L, 3L, 4L, 5L, 6L);
            assertThat(store.journal().read("b", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(2L);
            assertThat(store.journal().readAll(1, 10)).extracting(StoredEvent::globalPosition)
                    .containsExactly(2L, 3L, 4L, 5L, 7L, 8L);
            assertThat(store.journal().persistenceIds("", 10)).containsExactly("a", "b");
        }
    }

    @Test
    void a_store_in_format_1_written_by_earlier_versions_is_read_and_extended_in_its_own_layout() throws Exception {
        Path dir = TempStores.freshDirectory();
        Instant at = Instant.parse("2026-11-01T00:00:00Z");
        // the layout earlier versions wrote: plain event keys, the stream head and the highest
        // position updated with every write
        withRawFamilies(dir, (db, h) -> {
            db.put(h.get(1), "format".getBytes(StandardCharsets.UTF_8), new byte[] {1});
            for (long seq = 1; seq <= 3; seq++) {
                byte[] key = Records.key("old", seq);
                db.put(h.get(2), key, Records.encodeEvent(seq, at, Set.of("t"),
                        new Payload.Serialized("text", 1, ("e" + seq).getBytes(StandardCharsets.UTF_8))));
                db.put(h.get(3), Records.position(seq), key);
                db.put(h.get(4), Records.key("t", seq), key);
            }
            db.put(h.get(5), "old".getBytes(StandardCharsets.UTF_8),
                    java.nio.ByteBuffer.allocate(16).putLong(3).putLong(0).array());
            db.put(h.get(1), "global-highest".getBytes(StandardCharsets.UTF_8), Records.position(3));
        });
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().highestSequenceNr("old")).isEqualTo(3);
            assertThat(store.journal().highestGlobalPosition()).isEqualTo(3);
            append(store, "old", "four");
            append(store, "new", "five");
        }
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().read("old", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(1L, 2L, 3L, 4L);
            assertThat(store.journal().readAll(1, 10)).extracting(e -> e.persistenceId() + "/" + e.sequenceNr())
                    .containsExactly("old/1", "old/2", "old/3", "old/4", "new/1");
            assertThat(store.journal().readByTag("t", 1, 10)).hasSize(5);
            store.journal().deleteUpTo("old", 2);
            assertThat(store.journal().read("old", 1, 10, 10)).extracting(StoredEvent::sequenceNr).containsExactly(3L, 4L);
        }
        withRawFamilies(dir, (db, h) -> {
            assertThat(db.get(h.get(1), "format".getBytes(StandardCharsets.UTF_8))).containsExactly(1);
            assertThat(db.get(h.get(2), Records.key("new", 1))).as("format 1 keeps plain keys").isNotNull();
        });
    }

    @Test
    void a_new_store_has_format_2_and_an_unknown_format_is_refused() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir)) {
            append(store, "a", "one");
        }
        withRawFamilies(dir, (db, h) -> {
            assertThat(db.get(h.get(1), "format".getBytes(StandardCharsets.UTF_8))).containsExactly(2);
            assertThat(db.get(h.get(2), Records.EventKeys.HASHED.key("a", 1))).isNotNull();
            db.put(h.get(1), "format".getBytes(StandardCharsets.UTF_8), new byte[] {9});
        });
        assertThatThrownBy(() -> Stores.open("rocksdb:" + dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining("format");
        try (Store store = Stores.open("rocksdb:" + TempStores.freshDirectory())) {
            assertThat(store.journal().highestGlobalPosition()).isZero();
        }
    }

    interface RawAccess {
        void run(RocksDB db, List<ColumnFamilyHandle> handles) throws Exception;
    }

    /** Opens the store's RocksDB database below the store's API, with handles in the store's family order. */
    private static void withRawFamilies(Path dir, RawAccess access) throws Exception {
        List<ColumnFamilyDescriptor> descriptors = new java.util.ArrayList<>();
        for (String name : List.of("default", "meta", "events", "global", "tags", "streams", "snapshots", "checkpoints")) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
        }
        List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            try {
                access.run(db, handles);
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }

    @Test
    void a_second_opener_gets_an_error_naming_the_directory_in_use() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store first = Stores.open("rocksdb:" + dir)) {
            assertThatThrownBy(() -> Stores.open("rocksdb:" + dir))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(dir.toAbsolutePath().normalize().toString())
                    .hasMessageContaining("in use");
            append(first, "still-works", "x");
        }
    }

    @Test
    void a_directory_with_other_files_is_not_taken_for_a_store() throws Exception {
        Path dir = TempStores.freshDirectory();
        Files.writeString(dir.resolve("notes.txt"), "not a store");
        assertThatThrownBy(() -> Stores.open("rocksdb:" + dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("is not a Perpetua store");
        assertThat(dir.resolve("CURRENT")).doesNotExist();
    }

    @Test
    void a_file_is_not_taken_for_a_store_directory() throws Exception {
        Path file = Files.writeString(TempStores.freshDirectory().resolve("file"), "x");
        assertThatThrownBy(() -> Stores.open("rocksdb:" + file)).hasMessageContaining("is a file");
    }

    @Test
    void unknown_uri_parameters_and_an_empty_path_are_rejected_with_the_accepted_forms() {
        assertThatThrownBy(() -> Stores.open("rocksdb:./x?fast=yes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("durability=ack-before-fsync");
        assertThatThrownBy(() -> Stores.open("rocksdb:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no directory");
    }

    @Test
    void ack_before_fsync_mode_stores_the_same_data() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir + "?durability=ack-before-fsync")) {
            append(store, "a", "one");
        }
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().read("a", 1, 1, 1)).hasSize(1);
        }
    }

    @Test
    void a_corrupted_event_value_is_reported_with_its_persistence_id_and_sequence_number() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = Stores.open("rocksdb:" + dir)) {
            append(store, "victim", "one", "two", "three");
        }
        flipLastByteOfEvent(dir, "victim", 2);
        try (Store store = Stores.open("rocksdb:" + dir)) {
            assertThat(store.journal().read("victim", 1, 1, 1)).hasSize(1);
            assertThatThrownBy(() -> store.journal().read("victim", 1, 3, 10))
                    .isInstanceOfSatisfying(CorruptDataException.class, e -> {
                        assertThat(e.persistenceId()).isEqualTo("victim");
                        assertThat(e.sequenceNr()).isEqualTo(2);
                    })
                    .hasMessageContaining("checksum");
        }
    }

    /** Rewrites one stored event value with its last byte flipped, below the store's API. */
    private static void flipLastByteOfEvent(Path dir, String id, long seq) throws Exception {
        List<ColumnFamilyDescriptor> descriptors = new java.util.ArrayList<>();
        for (String name : List.of("default", "meta", "events", "global", "tags", "streams", "snapshots", "checkpoints")) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
        }
        List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
        try (DBOptions options = new DBOptions(); RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            byte[] key = Records.EventKeys.HASHED.key(id, seq);
            byte[] value = db.get(handles.get(2), key);
            value[value.length - 1] ^= 0x5A;
            db.put(handles.get(2), key, value);
            handles.forEach(ColumnFamilyHandle::close);
        }
    }
}
