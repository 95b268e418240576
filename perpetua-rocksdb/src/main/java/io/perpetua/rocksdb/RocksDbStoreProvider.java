package io.perpetua.rocksdb;

import io.perpetua.spi.Store;
import io.perpetua.spi.StoreProvider;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Opens {@code rocksdb:PATH} (acknowledge after fsync) and
 * {@code rocksdb:PATH?durability=ack-before-fsync} (acknowledge before fsync: survives a JVM crash,
 * not a power cut). A relative PATH is resolved against the working directory; the directory is
 * created if missing.
 */
public final class RocksDbStoreProvider implements StoreProvider {

    @Override
    public String scheme() {
        return "rocksdb";
    }

    @Override
    public Store open(String uri) {
        if (!uri.startsWith("rocksdb:")) throw new IllegalArgumentException("not a RocksDB store URI: '" + uri + "'");
        String rest = uri.substring("rocksdb:".length());
        RocksDbStore.Durability durability = RocksDbStore.Durability.FSYNC;
        int q = rest.indexOf('?');
        if (q >= 0) {
            String query = rest.substring(q + 1);
            rest = rest.substring(0, q);
            for (String param : query.split("&")) {
                switch (param) {
                    case "durability=fsync" -> durability = RocksDbStore.Durability.FSYNC;
                    case "durability=ack-before-fsync" -> durability = RocksDbStore.Durability.ACK_BEFORE_FSYNC;
                    default -> throw new IllegalArgumentException("unknown parameter '" + param + "' in '" + uri
                            + "'; the RocksDB store accepts durability=fsync (default) or durability=ack-before-fsync");
                }
            }
        }
        if (rest.startsWith("//")) rest = rest.substring(2);
        if (rest.isBlank()) {
            throw new IllegalArgumentException("RocksDB store URI '" + uri + "' has no directory; use rocksdb:./perpetua-data");
        }
        Path path;
        try {
            path = Path.of(rest);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("RocksDB store URI '" + uri + "' has an invalid path: " + e.getMessage());
        }
        return RocksDbStore.open(uri, path, durability);
    }
}
