package io.perpetua.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The machine's own limits for a directory, measured the way a durable store uses the disk: the
 * latency of appending 4 KiB and forcing it to the device ({@code fdatasync}), and the bandwidth of
 * writing a large file sequentially and forcing it once.
 *
 * @param fdatasyncP50Micros median latency of a 4 KiB append plus fdatasync
 * @param fdatasyncPerSecond how many such syncs one thread completes per second
 * @param writeMegabytesPerSecond sequential write bandwidth including the final sync
 */
record DiskLimits(Path directory, double fdatasyncP50Micros, double fdatasyncPerSecond, double writeMegabytesPerSecond) {

    static DiskLimits measure(Path directory, int syncs, int megabytes) throws IOException {
        Files.createDirectories(directory);
        Path file = Files.createTempFile(directory, "perpetua-limits-", ".tmp");
        try {
            long[] latencies = new long[syncs];
            ByteBuffer block = ByteBuffer.allocateDirect(4096);
            long start = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                for (int i = 0; i < syncs; i++) {
                    long t = System.nanoTime();
                    block.clear();
                    while (block.hasRemaining()) ch.write(block);
                    ch.force(false);
                    latencies[i] = System.nanoTime() - t;
                }
            }
            double syncSeconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(latencies);
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            long wstart = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int i = 0; i < megabytes; i++) {
                    chunk.clear();
                    while (chunk.hasRemaining()) ch.write(chunk);
                }
                ch.force(false);
            }
            double writeSeconds = (System.nanoTime() - wstart) / 1e9;
            return new DiskLimits(directory, latencies[syncs / 2] / 1e3, syncs / syncSeconds, megabytes / writeSeconds);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    String line() {
        return String.format(Locale.ROOT, "limits dir=%s fdatasync_p50_us=%.0f fdatasync_per_s=%.0f write_mb_per_s=%.0f",
                directory, fdatasyncP50Micros, fdatasyncPerSecond, writeMegabytesPerSecond);
    }
}
