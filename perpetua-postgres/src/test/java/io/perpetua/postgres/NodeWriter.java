package io.perpetua.postgres;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One application node of {@link TwoNodesTest}, run in its own JVM: a runtime on the shared
 * PostgreSQL schema sends commands to the same persistence ids as the other node. Each command
 * persists one event naming the node and the command; a conflict reloads the other node's events
 * and retries. Prints {@code acked <n> failed <m>} at the end.
 */
public final class NodeWriter {

    /** Events are the command text; the state is the number of events. */
    static final class Text implements Serializer {
        @Override
        public Payload.Serialized serialize(Object value) {
            return switch (value) {
                case String s -> new Payload.Serialized("text", 1, s.getBytes(StandardCharsets.UTF_8));
                case Long l -> new Payload.Serialized("count", 1, Long.toString(l).getBytes(StandardCharsets.UTF_8));
                default -> throw new IllegalArgumentException(value.getClass().getName());
            };
        }

        @Override
        public Object deserialize(Payload.Serialized p) {
            String text = new String(p.bytes(), StandardCharsets.UTF_8);
            return p.manifest().equals("count") ? (Object) Long.parseLong(text) : text;
        }
    }

    static final ProcessType<String, Long, String> COUNTERS = ProcessType.<String, Long, String>pure("counter", 0L,
            (command, count) -> List.of(command), (count, event) -> count + 1).withConflictRetries(50);

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String node = args[1];
        int ids = Integer.parseInt(args[2]);
        int commands = Integer.parseInt(args[3]);
        long startAt = Long.parseLong(args[4]);
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        try (Perpetua perpetua = Perpetua.builder().store(uri).serializer(new Text()).build()) {
            List<ProcessRef<String>> refs = new ArrayList<>();
            for (int i = 0; i < ids; i++) refs.add(perpetua.start(COUNTERS, "shared-" + i));
            Thread.sleep(Math.max(0, startAt - System.currentTimeMillis())); // both nodes begin together
            List<Thread> threads = new ArrayList<>();
            for (ProcessRef<String> ref : refs) {
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int c = 0; c < commands; c++) {
                        try {
                            ref.call(node + ":" + ref.persistenceId() + ":" + c);
                            acked.incrementAndGet();
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) t.join();
        }
        System.out.println("acked " + acked.get() + " failed " + failed.get());
    }
}
