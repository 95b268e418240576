package io.perpetua.rocksdb;

import io.perpetua.Context;
import io.perpetua.Perpetua;
import io.perpetua.PersistentProcess;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The child JVM of {@link CrashSafetyTest}: 100 processes persist forever (single events and
 * persistAll batches of 3, with a snapshot every 7 events) and, only after each acknowledgement,
 * append one line {@code <persistenceId> <sequenceNr>} per event to the ack log. The test kills it
 * with SIGKILL.
 *
 * <p>Each event is the text {@code id|seq|firstSeqOfItsBatch|batchSize}, so the test can check the
 * payload and that no batch is partly present.
 */
public final class CrashWriter {

    /** Appends one or more events per call; replies with the sequence number of the first. */
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
        public void handleCall(Integer batch, Context<Long, String> ctx) {
            long first = ctx.lastSequenceNr() + 1;
            List<String> events = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                events.add(ctx.persistenceId() + "|" + (first + i) + "|" + first + "|" + batch);
            }
            ctx.persistAll(events);
            ctx.reply(first);
        }
    }

    static final ProcessType<Integer, Long, String> WRITERS = ProcessType.of("writer", Writer::new).withSnapshotEvery(7);

    public static void main(String[] args) throws Exception {
        String directory = args[0];
        FileOutputStream acks = new FileOutputStream(args[1], true);
        try (Perpetua perpetua = Perpetua.builder().store("rocksdb:" + directory).serializer(new TextSerializer()).build()) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < 100; p++) {
                ProcessRef<Integer> ref = perpetua.start(WRITERS, "writer-" + p);
                threads.add(Thread.ofVirtual().start(() -> drive(ref, acks)));
            }
            System.out.println("ready");
            System.out.flush();
            for (Thread t : threads) t.join();
        }
    }

    private static void drive(ProcessRef<Integer> ref, FileOutputStream acks) {
        while (true) {
            int batch = ThreadLocalRandom.current().nextBoolean() ? 1 : 3;
            long first = ref.<Long>call(batch);
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < batch; i++) lines.append(ref.persistenceId()).append(' ').append(first + i).append('\n');
            byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
            synchronized (acks) {
                try {
                    acks.write(bytes);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
