package io.perpetua.rocksdb;

import io.perpetua.spi.CorruptDataException;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.StoredEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The byte layout of keys and values. Keys sort bytewise, so that range scans follow streams, the
 * global log and tags:
 * <ul>
 *   <li>event: {@code utf8(persistenceId) 0x00 seq:8} (ids contain no control characters, so 0x00
 *       ends the id and a stream is one contiguous key range)</li>
 *   <li>global index: {@code position:8} to the event key</li>
 *   <li>tag index: {@code utf8(tag) 0x00 position:8} to the event key</li>
 *   <li>snapshot: {@code utf8(persistenceId) 0x00 seq:8}</li>
 * </ul>
 * Numbers are big-endian, so numeric order is byte order. Every event and snapshot value starts with
 * a format byte and a CRC32C of the rest, which {@link #decodeEvent} and {@link #decodeSnapshot}
 * check.
 */
final class Records {

    static final byte FORMAT = 1;

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

    static String idOf(byte[] key) {
        return new String(key, 0, key.length - 9, StandardCharsets.UTF_8);
    }

    static byte[] position(long position) {
        return ByteBuffer.allocate(8).putLong(position).array();
    }

    static long longOf(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong();
    }

    // ------------------------------------------------------------------ events

    static byte[] encodeEvent(long position, Instant timestamp, Set<String> tags, Payload.Serialized payload) {
        byte[] manifest = payload.manifest().getBytes(StandardCharsets.UTF_8);
        byte[][] tagBytes = new byte[tags.size()][];
        int size = 1 + 4 + 8 + 8 + 4 + 4 + 2 + manifest.length + 2 + 4 + payload.bytes().length;
        int i = 0;
        for (String tag : tags) {
            tagBytes[i] = tag.getBytes(StandardCharsets.UTF_8);
            size += 2 + tagBytes[i].length;
            i++;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(FORMAT).putInt(0).putLong(position).putLong(timestamp.getEpochSecond()).putInt(timestamp.getNano())
                .putInt(payload.schemaVersion()).putShort((short) manifest.length).put(manifest)
                .putShort((short) tagBytes.length);
        for (byte[] t : tagBytes) b.putShort((short) t.length).put(t);
        b.putInt(payload.bytes().length).put(payload.bytes());
        byte[] out = b.array();
        ByteBuffer.wrap(out, 1, 4).putInt(crc(out));
        return out;
    }

    static StoredEvent decodeEvent(String id, long seq, byte[] value) {
        try {
            ByteBuffer b = checked(id, seq, value, "event");
            long position = b.getLong();
            Instant timestamp = Instant.ofEpochSecond(b.getLong(), b.getInt());
            int schemaVersion = b.getInt();
            String manifest = string(b, b.getShort() & 0xFFFF);
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
        if (value.length < 5 || value[0] != FORMAT) {
            throw new CorruptDataException(id, seq, "the " + what + " has an unknown format ("
                    + (value.length == 0 ? "empty" : "format byte " + value[0]) + ")");
        }
        int stored = ByteBuffer.wrap(value, 1, 4).getInt();
        if (stored != crc(value)) throw new CorruptDataException(id, seq, "the " + what + " fails its checksum");
        return ByteBuffer.wrap(value, 5, value.length - 5);
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
