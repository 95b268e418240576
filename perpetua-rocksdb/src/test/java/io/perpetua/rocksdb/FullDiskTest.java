package io.perpetua.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Context;
import io.perpetua.PersistFailedException;
import io.perpetua.Perpetua;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store on a file system that fills up: the persist that cannot be written fails as a failure
 * (outcome unknown), every acknowledged event stays, and the process restarts from the journal.
 * The file system is a small tmpfs mounted for the test, which needs the right to mount (the test
 * machines run tests as root); without it the test fails and says so.
 */
class FullDiskTest {

    private Path mountPoint;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mountPoint = TempStores.freshDirectory().toAbsolutePath();
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        assertThat(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0)
                .as("mounting a 96 MiB tmpfs for the full-disk test (needs root): %s", output).isTrue();
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }

    static final class Writer implements PersistentProcess<Integer, Long, String> {
        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Long apply(Long count, String event) {
            return count + 1;
        }

        @Override
        public void handleCall(Integer size, Context<Long, String> ctx) {
            ctx.persist("x".repeat(size));
            ctx.reply(ctx.lastSequenceNr());
        }
    }

    @Test
    void a_full_disk_fails_the_persist_keeps_every_acknowledged_event_and_the_process_recovers() throws IOException {
        Path dir = mountPoint.resolve("store");
        ProcessType<Integer, Long, String> type = ProcessType.of("writer", Writer::new);
        List<Long> acknowledged = new ArrayList<>();
        try (Perpetua perpetua = Perpetua.builder().store("rocksdb:" + dir).serializer(new TextSerializer()).build()) {
            ProcessRef<Integer> ref = perpetua.start(type, "filler");
            PersistFailedException failure = null;
            for (int i = 0; i < 20_000 && failure == null; i++) {
                try {
                    acknowledged.add(ref.<Long>call(64 * 1024));
                } catch (PersistFailedException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("a persist failed once the file system was full").isNotNull();
            assertThat(failure.getMessage()).contains("filler");
            assertThat(ref.isAlive()).as("the process restarted from the journal").isTrue();
            assertThatThrownBy(() -> ref.call(64 * 1024)).isInstanceOf(PersistFailedException.class);
        }
        assertThat(acknowledged).isNotEmpty();
        try (Store store = RocksDbStore.open(dir, RocksDbStore.Durability.FSYNC)) {
            long highest = store.journal().highestSequenceNr("filler");
            assertThat(highest).isGreaterThanOrEqualTo(acknowledged.getLast());
            assertThat(store.journal().read("filler", 1, Long.MAX_VALUE, Integer.MAX_VALUE)).hasSize((int) highest);
        }
    }
}
