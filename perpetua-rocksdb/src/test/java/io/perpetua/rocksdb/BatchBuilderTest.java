package io.perpetua.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.perpetua.spi.Payload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/** The batch built in Java is byte for byte the batch RocksDB builds from the same puts, and RocksDB applies it. */
class BatchBuilderTest {

    static {
        RocksDB.loadLibrary();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Records.EventKeys.class)
    void a_batch_serializes_as_rocksdb_serializes_the_same_puts_and_deletes(Records.EventKeys keys) throws Exception {
        Path dir = TempStores.freshDirectory();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : List.of("default", "a", "b", "c")) descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)));
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
                RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles);
                WriteOptions wo = new WriteOptions();
                WriteBatch expected = new WriteBatch()) {
            ColumnFamilyHandle a = handles.get(1), b = handles.get(2), c = handles.get(3);
            Instant at = Instant.parse("2026-11-23T10:15:30.123456789Z");
            byte[] big = new byte[300]; // lengths above 127 take two varint bytes
            Arrays.fill(big, (byte) 7);
            Payload.Serialized small = new Payload.Serialized("m", 1, "hello".getBytes(StandardCharsets.UTF_8));
            Payload.Serialized large = new Payload.Serialized("other.Manifest", 3, big);
            String id = "stream-é";
            byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);

            BatchBuilder builder = new BatchBuilder();
            long hash = Records.hash(idBytes);
            builder.putEvent(keys, a.getID(), b.getID(), idBytes, hash, 1, 10, at, Set.of(), small);
            builder.putEvent(keys, a.getID(), b.getID(), idBytes, hash, 2, 11, at, Set.of("t1", "tag-two"), large);
            builder.put(c.getID(), idBytes, new byte[16]);
            builder.delete(b.getID(), Records.position(9));

            expected.put(a, keys.key(id, 1), Records.encodeEvent(10, at, Set.of(), small));
            expected.put(b, Records.position(10), keys.key(id, 1));
            expected.put(a, keys.key(id, 2), Records.encodeEvent(11, at, Set.of("t1", "tag-two"), large));
            expected.put(b, Records.position(11), keys.key(id, 2));
            expected.put(c, idBytes, new byte[16]);
            expected.delete(b, Records.position(9));

            assertThat(builder.count()).isEqualTo(6);
            assertThat(builder.data()).isEqualTo(expected.data());

            try (WriteBatch built = builder.build()) {
                db.write(wo, built);
            }
            assertThat(Records.decodeEvent(id, 2, db.get(a, keys.key(id, 2))).payload()).isEqualTo(large);
            assertThat(db.get(b, Records.position(10))).isEqualTo(keys.key(id, 1));
            builder.reset();
            assertThat(builder.count()).isZero();
            handles.forEach(ColumnFamilyHandle::close);
        }
    }
}
