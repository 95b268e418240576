package io.perpetua.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * One in-process run of the {@code perpetua} command, as a person would type it: its exit code and
 * what it printed on standard output and standard error.
 */
record CliRun(int exitCode, String out, String err) {

    /** Runs {@code perpetua args...} with Perpetua's own error handling. */
    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = PerpetuaCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Standard output, line by line. */
    List<String> outLines() {
        return out.lines().toList();
    }
}
