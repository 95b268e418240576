package io.perpetua.rocksdb;

import io.perpetua.spi.CorruptDataException;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The byte layout of keys and values. Keys sort bytewise, so that range scans follow streams, the
 * global log and tags:
 * <ul>
 *   <li>event: {@code hash:8 utf8(persistenceId) 0x00 seq:8}, see {@link EventKeys} (ids contain no
 *       control characters, so 0x00 ends the id and a stream is one contiguous key range)</li>
 *   <li>global index: {@code position:8} to the event key</li>
 *   <li>tag index: {@code utf8(tag) 0x00 position:8} to the event key</li>
 *   <li>snapshot: {@code utf8(persistenceId) 0x00 seq:8}</li>
 * </ul>
 * Numbers are big-endian, so numeric order is byte order. Every event and snapshot value starts with
 * a format byte and a CRC32C of the rest, which {@link #decodeEvent} and {@link #decodeSnapshot}
 * check.
 */
final class Records {

    /** The format byte of event and snapshot values. */
    static final byte FORMAT = 1;

    /** Store formats, kept under {@code meta/format}: 1 with {@link EventKeys#PLAIN} keys, 2 with hashed ones. */
    static final byte STORE_FORMAT_PLAIN_KEYS = 1;
    static final byte STORE_FORMAT_HASHED_KEYS = 2;

    private Records() {}

    static byte[] key(String id, long seq) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(idBytes.length + 9).put(idBytes).put((byte) 0).putLong(seq).array();
    }

    static byte[] prefix(String id) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[idBytes.length + 1];
        System.arraycopy(idBytes, 0, p, 0, idBytes.length);
        return p;
    }

    static boolean hasPrefix(byte[] key, byte[] prefix) {
        if (key.length != prefix.length + 8) return false;
        for (int i = 0; i < prefix.length; i++) if (key[i] != prefix[i]) return false;
        return true;
    }

    static long seqOf(byte[] key) {
        return ByteBuffer.wrap(key, key.length - 8, 8).getLong();
    }

    /**
     * How event keys are laid out. {@link #HASHED} (store format 2) puts an 8-byte hash of the
     * persistence id in front, {@code hash:8 utf8(persistenceId) 0x00 seq:8}, so that RocksDB's
     * memtable can keep an insert position per stream (the fixed 8-byte prefix is its
     * {@code memtable_insert_with_hint_prefix_extractor}) instead of searching the whole skip list for
     * every event. {@link #PLAIN} (format 1) is the layout of stores created before.
     */
    enum EventKeys {
        PLAIN(0),
        HASHED(8);

        final int hashBytes;

        EventKeys(int hashBytes) {
            this.hashBytes = hashBytes;
        }

        byte[] key(String id, long seq) {
            byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(hashBytes + idBytes.length + 9);
            if (hashBytes > 0) b.putLong(hash(idBytes));
            return b.put(idBytes).put((byte) 0).putLong(seq).array();
        }

        /** The bytes every event key of the stream starts with; see {@link Records#hasPrefix}. */
        byte[] prefix(String id) {
            byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(hashBytes + idBytes.length + 1);
            if (hashBytes > 0) b.putLong(hash(idBytes));
            return b.put(idBytes).put((byte) 0).array();
        }

        String idOf(byte[] key) {
            return new String(key, hashBytes, key.length - 9 - hashBytes, StandardCharsets.UTF_8);
        }
    }

    /** 64-bit FNV-1a of the bytes; part of the on-disk format, never to be changed. */
    static long hash(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        return h;
    }

    static byte[] position(long position) {
        return ByteBuffer.allocate(8).putLong(position).array();
    }

    static long longOf(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong();
    }

    // ------------------------------------------------------------------ events

    /** The bytes of an event value besides its manifest, tags and payload. */
    static final int EVENT_FIXED = 1 + 4 + 8 + 8 + 4 + 4 + 2 + 2 + 4;

    static final byte[][] NO_TAGS = new byte[0][];

    static byte[] encodeEvent(long position, Instant timestamp, Set<String> tags, Payload.Serialized payload) {
        byte[] manifest = payload.manifest().getBytes(StandardCharsets.UTF_8);
        byte[][] tagBytes = new byte[tags.size()][];
        int size = EVENT_FIXED + manifest.length + payload.bytes().length;
        int i = 0;
        for (String tag : tags) {
            tagBytes[i] = tag.getBytes(StandardCharsets.UTF_8);
            size += 2 + tagBytes[i].length;
            i++;
        }
        byte[] out = new byte[size];
        writeEvent(out, 0, size, position, timestamp, tagBytes, manifest, payload);
        return out;
    }

    /**
     * Writes an event value of {@code size} bytes (as {@link #encodeEvent} computes it) at
     * {@code offset} of {@code dst}, checksum included, and returns the offset after it.
     */
    static int writeEvent(byte[] dst, int offset, int size, long position, Instant timestamp, byte[][] tagBytes,
            byte[] manifest, Payload.Serialized payload) {
        ByteBuffer b = ByteBuffer.wrap(dst, offset, size);
        b.put(FORMAT).putInt(0).putLong(position).putLong(timestamp.getEpochSecond()).putInt(timestamp.getNano())
                .putInt(payload.schemaVersion()).putShort((short) manifest.length).put(manifest)
                .putShort((short) tagBytes.length);
        for (byte[] t : tagBytes) b.putShort((short) t.length).put(t);
        b.putInt(payload.bytes().length).put(payload.bytes());
        if (b.position() != offset + size) throw new IllegalStateException("event size mismatch");
        CRC32C crc = new CRC32C();
        crc.update(dst, offset + 5, size - 5);
        ByteBuffer.wrap(dst, offset + 1, 4).putInt((int) crc.getValue());
        return offset + size;
    }

    static StoredEvent decodeEvent(String id, long seq, byte[] value) {
        return new EventDecoder().decode(id, seq, value, value.length);
    }

    /**
     * Decodes event values, reusing the manifest string of the previous event when the bytes are the
     * same (a stream's events are mostly of a few types). One per read; not thread-safe.
     */
    static final class EventDecoder {
        private byte[] lastManifestBytes = new byte[0];
        private String lastManifest;

        /** The event in the first {@code length} bytes of {@code value}, checksum checked. */
        StoredEvent decode(String id, long seq, byte[] value, int length) {
            try {
                ByteBuffer b = checked(id, seq, value, length, "event");
                long position = b.getLong();
                Instant timestamp = Instant.ofEpochSecond(b.getLong(), b.getInt());
                int schemaVersion = b.getInt();
                String manifest = manifest(b, b.getShort() & 0xFFFF);
                int tagCount = b.getShort() & 0xFFFF;
                Set<String> tags = tagCount == 0 ? Set.of() : new HashSet<>(tagCount * 2);
                for (int i = 0; i < tagCount; i++) tags.add(string(b, b.getShort() & 0xFFFF));
                byte[] bytes = new byte[b.getInt()];
                b.get(bytes);
                return new StoredEvent(id, seq, position, timestamp, tags, new Payload.Serialized(manifest, schemaVersion, bytes));
            } catch (RuntimeException e) {
                if (e instanceof CorruptDataException c) throw c;
                throw new CorruptDataException(id, seq, "the event cannot be decoded: " + e);
            }
        }

        private String manifest(ByteBuffer b, int length) {
            int at = b.arrayOffset() + b.position();
            byte[] array = b.array();
            if (lastManifest == null || !Arrays.equals(array, at, at + length, lastManifestBytes, 0, lastManifestBytes.length)) {
                lastManifestBytes = Arrays.copyOfRange(array, at, at + length);
                lastManifest = new String(lastManifestBytes, StandardCharsets.UTF_8);
            }
            b.position(b.position() + length);
            return lastManifest;
        }
    }

    /** The global position and tags of an event value, for index maintenance. */
    static long positionOf(String id, long seq, byte[] value) {
        return decodeEvent(id, seq, value).globalPosition();
    }

    // ------------------------------------------------------------------ snapshots

    static byte[] encodeSnapshot(SnapshotRecord s) {
        Payload.Serialized p = (Payload.Serialized) s.payload();
        byte[] manifest = p.manifest().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 8 + 4 + 4 + 2 + manifest.length + 4 + p.bytes().length);
        b.put(FORMAT).putInt(0).putLong(s.timestamp().getEpochSecond()).putInt(s.timestamp().getNano())
                .putInt(p.schemaVersion()).putShort((short) manifest.length).put(manifest)
                .putInt(p.bytes().length).put(p.bytes());
        byte[] out = b.array();
        ByteBuffer.wrap(out, 1, 4).putInt(crc(out));
        return out;
    }

    static Instant snapshotTimestamp(String id, long seq, byte[] value) {
        ByteBuffer b = checked(id, seq, value, "snapshot");
        return Instant.ofEpochSecond(b.getLong(), b.getInt());
    }

    static SnapshotRecord decodeSnapshot(String id, long seq, byte[] value) {
        try {
            ByteBuffer b = checked(id, seq, value, "snapshot");
            Instant timestamp = Instant.ofEpochSecond(b.getLong(), b.getInt());
            int schemaVersion = b.getInt();
            String manifest = string(b, b.getShort() & 0xFFFF);
            byte[] bytes = new byte[b.getInt()];
            b.get(bytes);
            return new SnapshotRecord(id, seq, timestamp, new Payload.Serialized(manifest, schemaVersion, bytes));
        } catch (RuntimeException e) {
            if (e instanceof CorruptDataException c) throw c;
            throw new CorruptDataException(id, seq, "the snapshot cannot be decoded: " + e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static ByteBuffer checked(String id, long seq, byte[] value, String what) {
        return checked(id, seq, value, value.length, what);
    }

    private static ByteBuffer checked(String id, long seq, byte[] value, int length, String what) {
        if (length < 5 || value[0] != FORMAT) {
            throw new CorruptDataException(id, seq, "the " + what + " has an unknown format ("
                    + (length == 0 ? "empty" : "format byte " + value[0]) + ")");
        }
        int stored = ByteBuffer.wrap(value, 1, 4).getInt();
        CRC32C crc = new CRC32C();
        crc.update(value, 5, length - 5);
        if (stored != (int) crc.getValue()) throw new CorruptDataException(id, seq, "the " + what + " fails its checksum");
        // a slice, so that the decoders' reads past the value fail as they would on an array of its length
        return ByteBuffer.wrap(value, 0, length).slice(5, length - 5);
    }

    private static int crc(byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(value, 5, value.length - 5);
        return (int) crc.getValue();
    }

    private static String string(ByteBuffer b, int length) {
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
