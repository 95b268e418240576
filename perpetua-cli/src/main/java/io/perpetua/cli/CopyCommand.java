package io.perpetua.cli;

import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotCriteria;
import io.perpetua.spi.SnapshotRecord;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua copy --from URI --to URI}: copies a whole store — events in global order with
 * their sequence numbers, tags and timestamps, then snapshots and checkpoints — and verifies the
 * target. The target assigns its own global positions (in the same order).
 *
 * <p>Resumable: after each page of events the source position reached is saved as a checkpoint in
 * the target ({@code perpetua.copy:<source>}); a rerun continues from there, and an event the target
 * already holds (the page in flight when the copy was interrupted) is recognised by its sequence
 * number and skipped. A stream whose first events were deleted in the source is recreated with the
 * same numbering: placeholder events fill the deleted prefix and are deleted at once.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = "Copies a whole store to another (for example RocksDB to PostgreSQL), resumably, then verifies it.")
final class CopyCommand implements Callable<Integer> {

    private static final int PAGE = 1000;
    private static final String PLACEHOLDER = "perpetua.copy.DeletedEvent";

    @Spec
    private CommandSpec spec;

    @Option(names = "--from", paramLabel = "URI", required = true, description = "The source store.")
    private String from;

    @Option(names = "--to", paramLabel = "URI", required = true, description = "The target store.")
    private String to;

    @Override
    public Integer call() {
        if (from.equals(to)) throw new ParameterException(spec.commandLine(), "--from and --to name the same store");
        PrintWriter out = spec.commandLine().getOut();
        String checkpoint = "perpetua.copy:" + from.replaceAll("(?i)(password=)[^&]*", "$1***");
        long events = 0;
        try (Store source = open("--from", from); Store target = open("--to", to)) {
            OptionalLong resumed = target.checkpoints().load(checkpoint);
            long position = resumed.orElse(0) + 1;
            if (resumed.isPresent()) out.println("resuming after source position " + resumed.getAsLong());
            Map<String, Long> highest = new HashMap<>();
            while (true) {
                List<StoredEvent> page = source.journal().readAll(position, PAGE);
                if (page.isEmpty()) break;
                events += copyPage(target, page, highest);
                position = page.getLast().globalPosition() + 1;
                target.checkpoints().save(checkpoint, page.getLast().globalPosition());
            }
            int snapshots = 0;
            int streams = 0;
            for (String after = ""; ; ) {
                List<String> ids = source.journal().persistenceIds(after, 1000);
                if (ids.isEmpty()) break;
                for (String id : ids) {
                    streams++;
                    snapshots += copySnapshots(source, target, id);
                    alignHighest(source, target, id);
                }
                after = ids.getLast();
            }
            int checkpoints = 0;
            for (String name : source.checkpoints().names()) {
                target.checkpoints().save(name, source.checkpoints().load(name).orElseThrow());
                checkpoints++;
            }
            out.println("copied events=" + events + " streams=" + streams + " snapshots=" + snapshots
                    + " checkpoints=" + checkpoints);
            out.flush();
        }
        return spec.commandLine().getParent().execute("verify", "--store", to);
    }

    private Store open(String option, String uri) {
        try {
            return Stores.open(uri);
        } catch (IllegalArgumentException | StoreException e) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '" + option + "': " + e.getMessage());
        }
    }

    /** Appends one page, each source event as its own write expecting the previous sequence number. */
    private static long copyPage(Store target, List<StoredEvent> page, Map<String, Long> highest) {
        List<AtomicWrite> writes = new ArrayList<>();
        List<StoredEvent> copied = new ArrayList<>();
        for (StoredEvent e : page) {
            long targetHighest = highest.computeIfAbsent(e.persistenceId(), id -> target.journal().highestSequenceNr(id));
            if (targetHighest >= e.sequenceNr()) continue; // copied before an interruption
            if (targetHighest < e.sequenceNr() - 1) {
                fillDeletedPrefix(target, e.persistenceId(), targetHighest, e.sequenceNr() - 1);
            }
            writes.add(new AtomicWrite(e.persistenceId(), ExpectedSequence.exactly(e.sequenceNr() - 1),
                    List.of(new EventData(e.payload(), e.tags(), e.timestamp()))));
            copied.add(e);
            highest.put(e.persistenceId(), e.sequenceNr());
        }
        if (writes.isEmpty()) return 0;
        List<WriteResult> results = target.journal().append(writes);
        for (int i = 0; i < results.size(); i++) {
            if (!(results.get(i) instanceof WriteResult.Written)) {
                StoredEvent e = copied.get(i);
                throw new IllegalStateException("copying " + e.persistenceId() + " " + e.sequenceNr() + " failed: "
                        + results.get(i));
            }
        }
        return writes.size();
    }

    /** Recreates a deleted prefix: placeholder events up to {@code upTo}, deleted again at once. */
    private static void fillDeletedPrefix(Store target, String id, long from, long upTo) {
        List<EventData> placeholders = new ArrayList<>();
        for (long seq = from + 1; seq <= upTo; seq++) {
            placeholders.add(new EventData(new Payload.Serialized(PLACEHOLDER, 1, new byte[0]), Set.of(), Instant.EPOCH));
        }
        WriteResult r = target.journal().append(List.of(new AtomicWrite(id, ExpectedSequence.exactly(from), placeholders)))
                .getFirst();
        if (!(r instanceof WriteResult.Written)) throw new IllegalStateException("recreating the deleted prefix of " + id + ": " + r);
        target.journal().deleteUpTo(id, upTo);
    }

    /** A stream whose last events were deleted in the source keeps its highest sequence number in the target. */
    private static void alignHighest(Store source, Store target, String id) {
        long sourceHighest = source.journal().highestSequenceNr(id);
        long targetHighest = target.journal().highestSequenceNr(id);
        if (targetHighest < sourceHighest) {
            fillDeletedPrefix(target, id, targetHighest, sourceHighest);
        }
    }

    private static int copySnapshots(Store source, Store target, String id) {
        int count = 0;
        SnapshotCriteria criteria = SnapshotCriteria.latest();
        while (true) {
            Optional<SnapshotRecord> s = source.snapshots().loadLatest(id, criteria);
            if (s.isEmpty()) return count;
            target.snapshots().save(s.get());
            count++;
            if (s.get().sequenceNr() == 0) return count;
            criteria = SnapshotCriteria.upTo(s.get().sequenceNr() - 1);
        }
    }
}
