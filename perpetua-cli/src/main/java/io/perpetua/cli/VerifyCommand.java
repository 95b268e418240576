package io.perpetua.cli;

import io.perpetua.spi.CorruptDataException;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code perpetua verify}: checks every stream (contiguous sequence numbers up to the highest,
 * checksums), the global log (unique, increasing positions, one entry per event), the tag index
 * (each tag lists exactly the events carrying it) and, with {@code --acks}, that every acknowledged
 * event exists. Prints one line per problem and last {@code verified events=<n> streams=<m>}; exit
 * code 0 when everything holds, 1 otherwise.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Checks the integrity of a store; exit code 0 when all holds, 1 with one line per problem.")
final class VerifyCommand implements Callable<Integer> {

    private static final int PAGE = 10_000;

    @Spec
    private CommandSpec spec;

    @Mixin
    private StoreOption store;

    @Option(names = "--acks", paramLabel = "FILE",
            description = "An ack log of '<persistenceId> <sequenceNr>' lines (as 'perpetua load --ack-log' writes); "
                    + "each listed event must exist. A last line cut short by a crash is ignored.")
    private Path acks;

    private PrintWriter out;
    private int problems;

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        long events = 0;
        long streams = 0;
        Map<String, Long> tagCounts = new HashMap<>();
        try (Store opened = store.open()) {
            EventJournal journal = opened.journal();
            for (String after = ""; ; ) {
                List<String> ids = journal.persistenceIds(after, 1000);
                if (ids.isEmpty()) break;
                for (String id : ids) {
                    streams++;
                    events += verifyStream(journal, id, tagCounts);
                }
                after = ids.getLast();
            }
            verifyGlobalLog(journal, events);
            for (Map.Entry<String, Long> tag : tagCounts.entrySet()) verifyTag(journal, tag.getKey(), tag.getValue());
            if (acks != null) verifyAcks(journal);
        }
        out.println("verified events=" + events + " streams=" + streams);
        out.flush();
        return problems == 0 ? 0 : 1;
    }

    private void problem(String line) {
        problems++;
        out.println(line);
    }

    /** Reads one stream in pages, stepping over corrupt events; returns how many events it holds. */
    private long verifyStream(EventJournal journal, String id, Map<String, Long> tagCounts) {
        long highest = journal.highestSequenceNr(id);
        long expected = -1;
        long count = 0;
        long from = 1;
        while (from <= highest) {
            List<StoredEvent> page;
            try {
                page = journal.read(id, from, highest, PAGE);
            } catch (CorruptDataException e) {
                problem("corrupt event " + e.persistenceId() + " " + e.sequenceNr() + ": " + e.getMessage());
                count++;
                expected = e.sequenceNr() + 1;
                from = e.sequenceNr() + 1;
                continue;
            }
            if (page.isEmpty()) break;
            for (StoredEvent e : page) {
                if (expected >= 0 && e.sequenceNr() != expected) {
                    problem("gap in " + id + ": sequence numbers " + expected + " to " + (e.sequenceNr() - 1) + " are missing");
                }
                expected = e.sequenceNr() + 1;
                count++;
                for (String tag : e.tags()) tagCounts.merge(tag, 1L, Long::sum);
            }
            from = page.getLast().sequenceNr() + 1;
        }
        if (count > 0 && expected != highest + 1) {
            problem("stream " + id + " ends at " + (expected - 1) + " but its highest sequence number is " + highest);
        }
        return count;
    }

    private void verifyGlobalLog(EventJournal journal, long streamEvents) {
        long previous = 0;
        long count = 0;
        long from = 1;
        long highest = journal.highestGlobalPosition();
        java.util.Set<String> corrupt = new java.util.HashSet<>();
        while (from <= highest) {
            List<StoredEvent> page;
            try {
                page = journal.readAll(from, PAGE);
            } catch (CorruptDataException e) {
                // a page holds a corrupt event (reported with its stream): go one event at a time
                try {
                    page = journal.readAll(from, 1);
                } catch (CorruptDataException c) {
                    corrupt.add(c.persistenceId() + " " + c.sequenceNr());
                    from++;
                    continue;
                }
            }
            if (page.isEmpty()) break;
            for (StoredEvent e : page) {
                if (e.globalPosition() <= previous) {
                    problem("global position " + e.globalPosition() + " of " + e.persistenceId() + " " + e.sequenceNr()
                            + " does not increase (previous " + previous + ")");
                }
                previous = e.globalPosition();
                count++;
            }
            from = previous + 1;
        }
        count += corrupt.size();
        if (count != streamEvents) {
            problem("the global log holds " + count + " events but the streams hold " + streamEvents);
        }
    }

    private void verifyTag(EventJournal journal, String tag, long expected) {
        long count = 0;
        long from = 1;
        while (true) {
            List<StoredEvent> page;
            try {
                page = journal.readByTag(tag, from, PAGE);
            } catch (CorruptDataException e) {
                return; // reported with its stream
            }
            if (page.isEmpty()) break;
            for (StoredEvent e : page) {
                if (!e.tags().contains(tag)) {
                    problem("tag index '" + tag + "' lists " + e.persistenceId() + " " + e.sequenceNr()
                            + ", which does not carry the tag");
                }
                count++;
            }
            from = page.getLast().globalPosition() + 1;
        }
        if (count != expected) {
            problem("tag index '" + tag + "' lists " + count + " events but " + expected + " events carry the tag");
        }
    }

    private void verifyAcks(EventJournal journal) throws IOException {
        String text = Files.readString(acks);
        int end = text.lastIndexOf('\n');
        if (end < 0) return;
        int lineNo = 0;
        List<String> missing = new ArrayList<>();
        for (String line : text.substring(0, end).split("\n")) {
            lineNo++;
            String[] parts = line.trim().split(" ");
            long seq;
            try {
                if (parts.length != 2) throw new NumberFormatException();
                seq = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                problem("ack log line " + lineNo + " is not '<persistenceId> <sequenceNr>': " + line);
                continue;
            }
            List<StoredEvent> found;
            try {
                found = journal.read(parts[0], seq, seq, 1);
            } catch (CorruptDataException e) {
                continue; // reported with its stream
            }
            if (found.isEmpty()) missing.add(parts[0] + " " + seq);
        }
        for (String m : missing) problem("acknowledged event missing: " + m);
    }
}
