package io.perpetua.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The machine's own limits for a directory, measured the way a durable store uses the disk: the
 * latency of appending 4 KiB and forcing it to the device ({@code fdatasync}), and the bandwidth of
 * writing a large file sequentially and forcing it once; and, since machines of one kind differ in
 * CPU speed from day to day, the time one core takes to sort a million random longs, so that
 * figures from different machines can be compared.
 *
 * @param fdatasyncP50Micros median latency of a 4 KiB append plus fdatasync
 * @param fdatasyncPerSecond how many such syncs one thread completes per second
 * @param writeMegabytesPerSecond sequential write bandwidth including the final sync
 * @param sortMillis the best of five single-threaded sorts of the same 1,000,000 random longs
 */
record DiskLimits(Path directory, double fdatasyncP50Micros, double fdatasyncPerSecond, double writeMegabytesPerSecond,
        double sortMillis) {

    static DiskLimits measure(Path directory, int syncs, int megabytes) throws IOException {
        double sortMillis = timeSort();
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
            return new DiskLimits(directory, latencies[syncs / 2] / 1e3, syncs / syncSeconds, megabytes / writeSeconds,
                    sortMillis);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** One core's speed: the best of five sorts of the same million longs (a fixed seed), in ms. */
    static double timeSort() {
        long[] values = new SplittableRandom(42).longs(1_000_000).toArray();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long[] copy = values.clone();
            long t = System.nanoTime();
            Arrays.sort(copy);
            best = Math.min(best, System.nanoTime() - t);
            if (copy[0] > copy[copy.length - 1]) throw new IllegalStateException("not sorted");
        }
        return best / 1e6;
    }

    String line() {
        return String.format(Locale.ROOT,
                "limits dir=%s fdatasync_p50_us=%.0f fdatasync_per_s=%.0f write_mb_per_s=%.0f cpu_sort_1m_ms=%.1f",
                directory, fdatasyncP50Micros, fdatasyncPerSecond, writeMegabytesPerSecond, sortMillis);
    }
}
