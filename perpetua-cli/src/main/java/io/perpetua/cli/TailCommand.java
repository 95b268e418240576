package io.perpetua.cli;

import io.perpetua.PersistedEvent;
import io.perpetua.Stores;
import io.perpetua.query.EventQueries;
import io.perpetua.query.Query;
import io.perpetua.query.QueryStream;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua tail}: prints the events of a store as they are persisted, one line each, until
 * interrupted. A line is {@code POSITION  PERSISTENCE-ID #SEQ  TIMESTAMP  [TAGS]  EVENT}; an event
 * whose type is not on the class path is shown by its manifest and, when the serializer can read it
 * as a tree, its fields; otherwise by its manifest and size.
 */
@Command(name = "tail",
        mixinStandardHelpOptions = true,
        description = "Prints events as they are persisted, one per line, until interrupted (Ctrl-C).")
final class TailCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI", required = true,
            description = "The store, for example 'rocksdb:./perpetua-data' or 'memory:NAME'.")
    private String storeUri;

    @Option(names = "--tag", paramLabel = "TAG", description = "Only events with this tag.")
    private String tag;

    @Option(names = "--from", paramLabel = "origin|current|POSITION", defaultValue = "current",
            description = "Where to start: the first event ('origin'), only new events ('current', the default), "
                    + "or a global position.")
    private String from;

    @Override
    public Integer call() {
        if (tag != null && tag.isBlank()) throw usage("--tag", tag, "invalid value for option '--tag': must not be blank");
        Store store;
        try {
            store = Stores.open(storeUri);
        } catch (IllegalArgumentException | StoreException e) {
            throw usage("--store", storeUri, "invalid value for option '--store': " + e.getMessage());
        }
        try (store) {
            long start = startPosition(store);
            EventQueries queries = EventQueries.builder(store).serializer(new Lenient(discoverSerializer())).build();
            Query<PersistedEvent> query = tag == null ? queries.liveAllEvents(start) : queries.liveEventsByTag(tag, start);
            PrintWriter out = spec.commandLine().getOut();
            try (QueryStream<PersistedEvent> events = query.open()) {
                while (true) {
                    Optional<PersistedEvent> e = events.poll(Duration.ofSeconds(1));
                    if (e.isPresent()) {
                        out.println(line(e.get()));
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
    }

    private long startPosition(Store store) {
        return switch (from) {
            case "origin" -> 1;
            case "current" -> store.journal().highestGlobalPosition() + 1;
            default -> {
                try {
                    long p = Long.parseLong(from);
                    if (p < 1) throw new NumberFormatException();
                    yield p;
                } catch (NumberFormatException e) {
                    throw usage("--from", from, "invalid value for option '--from': '" + from
                            + "' is not 'origin', 'current' or a position >= 1");
                }
            }
        };
    }

    static String line(PersistedEvent e) {
        return e.globalPosition() + "  " + e.persistenceId() + " #" + e.sequenceNr() + "  " + e.timestamp() + "  "
                + new TreeSet<>(e.tags()) + "  " + e.event();
    }

    private ParameterException usage(String option, String value, String message) {
        return new ParameterException(spec.commandLine(), message, null, spec.findOption(option), value);
    }

    private static Serializer discoverSerializer() {
        Iterator<Serializer> it = ServiceLoader.load(Serializer.class, TailCommand.class.getClassLoader()).iterator();
        return it.hasNext() ? it.next() : null;
    }

    /** Decodes with the serializer when it can, and otherwise shows the manifest and size. */
    private record Lenient(Serializer serializer) implements Serializer {
        @Override
        public Payload.Serialized serialize(Object value) {
            throw new UnsupportedOperationException("tail only reads");
        }

        @Override
        public Object deserialize(Payload.Serialized payload) {
            if (serializer != null) {
                try {
                    Object value = serializer.deserialize(payload);
                    if (value != null) return value;
                } catch (RuntimeException e) {
                    try {
                        return payload.manifest() + " " + serializer.readTree(payload); // the type is not on the class path
                    } catch (RuntimeException notATree) {
                        // shown by manifest and size below
                    }
                }
            }
            return "<" + payload.manifest() + " v" + payload.schemaVersion() + ", " + payload.bytes().length + " bytes>";
        }
    }
}
