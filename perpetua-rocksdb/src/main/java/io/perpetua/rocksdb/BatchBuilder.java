package io.perpetua.rocksdb;

import io.perpetua.spi.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import org.rocksdb.WriteBatch;

/**
 * Builds the serialized form of a RocksDB {@link WriteBatch} in one Java array, so that a whole
 * append reaches RocksDB in one JNI call instead of one per key, and event values are encoded in
 * place instead of in arrays of their own.
 *
 * <p>The form is RocksDB's write-batch representation (the one its write-ahead log stores and
 * {@link WriteBatch#data()} returns): a 12-byte header (sequence number, fixed64, set by RocksDB;
 * record count, fixed32, both little-endian), then per record a type byte
 * ({@code kTypeColumnFamilyValue} = 5, {@code kTypeColumnFamilyDeletion} = 4), the column family
 * id as a varint32, the key and, for a put, the value, each as a varint32 length and the bytes.
 *
 * <p>Not thread-safe: the store uses one, under its write lock.
 */
final class BatchBuilder {

    private static final int HEADER = 12;
    private static final byte TYPE_CF_VALUE = 0x5;
    private static final byte TYPE_CF_DELETION = 0x4;

    private byte[] buf = new byte[64 * 1024];
    private int length = HEADER;
    private int count;

    // the manifest of the previous event, encoded once for the many events of one type
    private String lastManifest;
    private byte[] lastManifestBytes;

    /** Starts an empty batch. */
    BatchBuilder reset() {
        length = HEADER;
        count = 0;
        if (buf.length > 4 << 20) buf = new byte[64 * 1024]; // do not keep a huge batch's buffer
        return this;
    }

    int count() {
        return count;
    }

    void put(int family, byte[] key, byte[] value) {
        record(TYPE_CF_VALUE, family, key.length + value.length + 15);
        bytes(key);
        bytes(value);
    }

    void delete(int family, byte[] key) {
        record(TYPE_CF_DELETION, family, key.length + 10);
        bytes(key);
    }

    /**
     * Puts an event under its key ({@code keys}, {@code idHash} = {@link Records#hash} of {@code idBytes})
     * in {@code eventFamily} and its key under
     * {@code position} in {@code globalFamily}: the value as {@link Records#encodeEvent} lays it out,
     * encoded straight into the batch. The tag index entries are put by the caller.
     */
    void putEvent(Records.EventKeys keys, int eventFamily, int globalFamily, byte[] idBytes, long idHash, long seq,
            long position, Instant timestamp, Set<String> tags, Payload.Serialized payload) {
        byte[] manifest = manifestBytes(payload.manifest());
        byte[][] tagBytes = Records.NO_TAGS;
        int valueSize = Records.EVENT_FIXED + manifest.length + payload.bytes().length;
        if (!tags.isEmpty()) {
            tagBytes = new byte[tags.size()][];
            int i = 0;
            for (String tag : tags) {
                tagBytes[i] = tag.getBytes(StandardCharsets.UTF_8);
                valueSize += 2 + tagBytes[i].length;
                i++;
            }
        }
        int keySize = keys.hashBytes + idBytes.length + 9;
        record(TYPE_CF_VALUE, eventFamily, keySize + valueSize + 15);
        int keyAt = key(keys, idBytes, idHash, seq);
        varint(valueSize);
        length = Records.writeEvent(buf, length, valueSize, position, timestamp, tagBytes, manifest, payload);
        // the global index entry: position -> event key (copied from the event record just written)
        record(TYPE_CF_VALUE, globalFamily, keySize + 8 + 15);
        varint(8);
        longBE(position);
        ensure(keySize + 5);
        varint(keySize);
        System.arraycopy(buf, keyAt, buf, length, keySize);
        length += keySize;
    }

    /** The batch, to be written and closed by the caller. */
    WriteBatch build() {
        buf[8] = (byte) count;
        buf[9] = (byte) (count >>> 8);
        buf[10] = (byte) (count >>> 16);
        buf[11] = (byte) (count >>> 24);
        return new WriteBatch(Arrays.copyOf(buf, length));
    }

    /** The serialized batch as {@link #build} hands it to RocksDB (for tests). */
    byte[] data() {
        build().close();
        return Arrays.copyOf(buf, length);
    }

    // ------------------------------------------------------------------ encoding

    private byte[] manifestBytes(String manifest) {
        if (!manifest.equals(lastManifest)) {
            lastManifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
            lastManifest = manifest;
        }
        return lastManifestBytes;
    }

    private void record(byte type, int family, int maxSize) {
        ensure(maxSize + 6);
        buf[length++] = type;
        varint(family);
        count++;
    }

    /** Writes the varint length and the event key; returns where the key bytes start. */
    private int key(Records.EventKeys keys, byte[] idBytes, long idHash, long seq) {
        varint(keys.hashBytes + idBytes.length + 9);
        int at = length;
        if (keys.hashBytes > 0) longBE(idHash);
        System.arraycopy(idBytes, 0, buf, length, idBytes.length);
        length += idBytes.length;
        buf[length++] = 0;
        longBE(seq);
        return at;
    }

    private void bytes(byte[] b) {
        varint(b.length);
        System.arraycopy(b, 0, buf, length, b.length);
        length += b.length;
    }

    private void longBE(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) buf[length++] = (byte) (v >>> shift);
    }

    private void varint(int v) {
        while ((v & ~0x7F) != 0) {
            buf[length++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[length++] = (byte) v;
    }

    private void ensure(long more) {
        if (length + more > buf.length) {
            long size = Math.max(buf.length * 2L, length + more);
            if (size > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("the write batch exceeds 2 GiB");
            buf = Arrays.copyOf(buf, (int) size);
        }
    }
}
