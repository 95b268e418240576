package io.perpetua.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Perpetua;
import io.perpetua.RecoveryFailedException;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.CorruptDataException;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Bytes flipped in the store's files on disk: reading the damaged events reports the persistence id
 * and the sequence number, and recovering that process fails with the same information.
 */
class CorruptionOnDiskTest {

    @Test
    void flipped_bytes_on_disk_are_reported_with_id_and_sequence_number_and_stop_recovery() throws Exception {
        Path dir = TempStores.freshDirectory();
        try (Store store = RocksDbStore.open(dir, RocksDbStore.Durability.FSYNC)) {
            for (int batch = 0; batch < 20; batch++) {
                List<EventData> events = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    events.add(new EventData(new Payload.Serialized("text", 1,
                            ("event " + batch + "/" + i + " ").repeat(20).getBytes(StandardCharsets.UTF_8)), Set.of(), Instant.now()));
                }
                store.journal().append(List.of(new AtomicWrite("victim", ExpectedSequence.any(), events)));
            }
        } // closing flushes the events into a table file
        flipBytesInTheMiddleOfTheLargestTable(dir);

        try (Store store = RocksDbStore.open(dir, RocksDbStore.Durability.FSYNC)) {
            assertThatThrownBy(() -> store.journal().read("victim", 1, Long.MAX_VALUE, Integer.MAX_VALUE))
                    .isInstanceOfSatisfying(CorruptDataException.class, e -> {
                        assertThat(e.persistenceId()).isEqualTo("victim");
                        assertThat(e.sequenceNr()).isBetween(2L, 2000L);
                    });
            try (Perpetua perpetua = Perpetua.builder().store(store).serializer(new TextSerializer()).build()) {
                assertThatThrownBy(() -> perpetua.readState(CrashWriter.WRITERS, "victim"))
                        .isInstanceOfSatisfying(RecoveryFailedException.class, e -> {
                            assertThat(e.persistenceId()).isEqualTo("victim");
                            assertThat(e.sequenceNr()).isBetween(2L, 2000L);
                            assertThat(e.getMessage()).contains("'victim'").contains("event " + e.sequenceNr());
                        });
            }
        }
    }

    static void flipBytesInTheMiddleOfTheLargestTable(Path dir) throws Exception {
        Path table;
        try (Stream<Path> files = Files.list(dir)) {
            table = files.filter(f -> f.toString().endsWith(".sst")).max(Comparator.comparingLong(f -> f.toFile().length()))
                    .orElseThrow(() -> new AssertionError("no table file in " + dir));
        }
        try (RandomAccessFile f = new RandomAccessFile(table.toFile(), "rw")) {
            long at = f.length() / 3;
            for (int i = 0; i < 16; i++) {
                f.seek(at + i);
                int b = f.read();
                f.seek(at + i);
                f.write(b ^ 0xFF);
            }
        }
    }
}
