package io.perpetua.cli;

import io.perpetua.Stores;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoredEvent;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua inspect}: reads a store without changing it. Readable lines by default;
 * {@code --json} prints one JSON object per line. A payload that is UTF-8 text is shown as text
 * (JSON payloads inline as JSON), anything else as base64.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Shows what a store holds: summary, ids, a stream, or one event.")
final class InspectCommand {

    private static final int PAGE = 10_000;

    @Spec
    private CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI", required = true, scope = ScopeType.INHERIT,
            description = "The store, for example 'rocksdb:./perpetua-data'.")
    private String uri;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print JSON lines.")
    private boolean json;

    private CommandSpec sub(String name) {
        return spec.subcommands().get(name).getCommandSpec();
    }

    private Store open(CommandSpec sub) {
        try {
            return Stores.open(uri);
        } catch (IllegalArgumentException | StoreException e) {
            throw new ParameterException(sub.commandLine(), "invalid value for option '--store': " + e.getMessage());
        }
    }

    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Counts streams, events and snapshots; the last line is 'streams=<n> events=<m> snapshots=<k>'.")
    int summary() {
        CommandSpec sub = sub("summary");
        PrintWriter out = sub.commandLine().getOut();
        long streams = 0, events = 0, snapshots = 0;
        try (Store store = open(sub)) {
            for (String after = ""; ; ) {
                List<String> ids = store.journal().persistenceIds(after, 1000);
                if (ids.isEmpty()) break;
                for (String id : ids) {
                    streams++;
                    for (long from = 1; ; ) {
                        List<StoredEvent> page = store.journal().read(id, from, Long.MAX_VALUE, PAGE);
                        events += page.size();
                        if (page.size() < PAGE) break;
                        from = page.getLast().sequenceNr() + 1;
                    }
                    SnapshotCriteria criteria = SnapshotCriteria.latest();
                    while (true) {
                        Optional<SnapshotRecord> s = store.snapshots().loadLatest(id, criteria);
                        if (s.isEmpty()) break;
                        snapshots++;
                        if (s.get().sequenceNr() == 0) break;
                        criteria = SnapshotCriteria.upTo(s.get().sequenceNr() - 1);
                    }
                }
                after = ids.getLast();
            }
            if (json) {
                out.println("{\"store\":" + str(store.uri()) + ",\"highest_position\":" + store.journal().highestGlobalPosition()
                        + ",\"streams\":" + streams + ",\"events\":" + events + ",\"snapshots\":" + snapshots + "}");
            } else {
                out.println("store " + store.uri() + ", highest global position " + store.journal().highestGlobalPosition());
                out.println("streams=" + streams + " events=" + events + " snapshots=" + snapshots);
            }
        }
        out.flush();
        return 0;
    }

    @Command(name = "ids", mixinStandardHelpOptions = true, description = "Lists the persistence ids, one per line.")
    int ids() {
        CommandSpec sub = sub("ids");
        PrintWriter out = sub.commandLine().getOut();
        try (Store store = open(sub)) {
            for (String after = ""; ; ) {
                List<String> ids = store.journal().persistenceIds(after, 1000);
                if (ids.isEmpty()) break;
                for (String id : ids) {
                    out.println(json ? "{\"persistence_id\":" + str(id) + ",\"highest_sequence_nr\":"
                            + store.journal().highestSequenceNr(id) + "}" : id);
                }
                after = ids.getLast();
            }
        }
        out.flush();
        return 0;
    }

    @Command(name = "stream", mixinStandardHelpOptions = true, description = "Prints the events of one process.")
    int stream(@Parameters(paramLabel = "ID") String id,
            @Option(names = "--from", paramLabel = "N", defaultValue = "1") long from,
            @Option(names = "--to", paramLabel = "M", defaultValue = "" + Long.MAX_VALUE) long to) {
        CommandSpec sub = sub("stream");
        PrintWriter out = sub.commandLine().getOut();
        try (Store store = open(sub)) {
            for (long next = from; next <= to; ) {
                List<StoredEvent> page = store.journal().read(id, next, to, PAGE);
                for (StoredEvent e : page) out.println(json ? jsonOf(e) : lineOf(e));
                if (page.size() < PAGE) break;
                next = page.getLast().sequenceNr() + 1;
            }
        }
        out.flush();
        return 0;
    }

    @Command(name = "event", mixinStandardHelpOptions = true, description = "Prints one event with its payload.")
    int event(@Parameters(index = "0", paramLabel = "ID") String id,
            @Parameters(index = "1", paramLabel = "SEQ") long seq) {
        CommandSpec sub = sub("event");
        PrintWriter out = sub.commandLine().getOut();
        try (Store store = open(sub)) {
            List<StoredEvent> found = store.journal().read(id, seq, seq, 1);
            if (found.isEmpty()) {
                sub.commandLine().getErr().println("perpetua inspect event: no event " + seq + " in '" + id + "' (highest is "
                        + store.journal().highestSequenceNr(id) + ")");
                return 1;
            }
            StoredEvent e = found.getFirst();
            if (json) {
                out.println(jsonOf(e));
            } else {
                out.println("persistence id   " + e.persistenceId());
                out.println("sequence number  " + e.sequenceNr());
                out.println("global position  " + e.globalPosition());
                out.println("timestamp        " + e.timestamp());
                out.println("tags             " + new TreeSet<>(e.tags()));
                out.println("type             " + typeOf(e.payload()));
                out.println("payload          " + preview(e.payload(), Integer.MAX_VALUE));
            }
        }
        out.flush();
        return 0;
    }

    private static String lineOf(StoredEvent e) {
        return e.sequenceNr() + "  @" + e.globalPosition() + "  " + e.timestamp() + "  " + typeOf(e.payload())
                + (e.tags().isEmpty() ? "" : "  " + new TreeSet<>(e.tags())) + "  " + preview(e.payload(), 120);
    }

    private static String typeOf(Payload p) {
        return p instanceof Payload.Serialized s ? s.manifest() + " v" + s.schemaVersion() : "object";
    }

    private static String preview(Payload p, int max) {
        if (!(p instanceof Payload.Serialized s)) return String.valueOf(((Payload.Reference) p).value());
        String text = text(s.bytes());
        String shown = text != null ? text : "base64:" + Base64.getEncoder().encodeToString(s.bytes());
        return shown.length() <= max ? shown : shown.substring(0, max) + "... (" + s.bytes().length + " bytes)";
    }

    private static String jsonOf(StoredEvent e) {
        StringBuilder b = new StringBuilder();
        b.append("{\"persistence_id\":").append(str(e.persistenceId()))
                .append(",\"sequence_nr\":").append(e.sequenceNr())
                .append(",\"global_position\":").append(e.globalPosition())
                .append(",\"timestamp\":").append(str(e.timestamp().toString()))
                .append(",\"tags\":[");
        int i = 0;
        for (String tag : new TreeSet<>(e.tags())) b.append(i++ == 0 ? "" : ",").append(str(tag));
        b.append("]");
        if (e.payload() instanceof Payload.Serialized s) {
            b.append(",\"manifest\":").append(str(s.manifest())).append(",\"schema_version\":").append(s.schemaVersion());
            String text = text(s.bytes());
            if (text == null) {
                b.append(",\"payload_base64\":").append(str(Base64.getEncoder().encodeToString(s.bytes())));
            } else {
                b.append(",\"payload_text\":").append(str(text));
            }
        } else {
            b.append(",\"payload_text\":").append(str(String.valueOf(((Payload.Reference) e.payload()).value())));
        }
        return b.append("}").toString();
    }

    /** The bytes as text if they are valid UTF-8 without control characters other than whitespace. */
    private static String text(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') return null;
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A JSON string literal. */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
