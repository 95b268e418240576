package io.perpetua.rocksdb;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fresh RocksDB stores in temporary directories under target/, opened through their URI. */
final class TempStores {
    private TempStores() {}

    static Path freshDirectory() throws IOException {
        Path base = Path.of("target", "rocksdb-tests");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "store-");
    }

    static Store open() throws IOException {
        return Stores.open("rocksdb:" + freshDirectory());
    }
}
