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
            byte[] key = Records.key(id, seq);
            byte[] value = db.get(handles.get(2), key);
            value[value.length - 1] ^= 0x5A;
            db.put(handles.get(2), key, value);
            handles.forEach(ColumnFamilyHandle::close);
        }
    }
}
