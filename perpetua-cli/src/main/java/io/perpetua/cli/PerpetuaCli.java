package io.perpetua.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The {@code perpetua} command.
 *
 * <p>Exit codes: 0 on success; 2 for a usage error (an unknown option, a missing command, a bad
 * store URI), reported as one line on standard error; 1 when a command fails while running, also
 * reported as one line. No stack trace is printed.
 */
@Command(name = "perpetua",
        mixinStandardHelpOptions = true,
        versionProvider = PerpetuaCli.Version.class,
        description = "The Perpetua command line: persistent processes for Java.",
        subcommands = {DemoCommand.class, LoadCommand.class, VerifyCommand.class, InspectCommand.class, CopyCommand.class, BenchCommand.class, TailCommand.class, CommandLine.HelpCommand.class})
public final class PerpetuaCli implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Runs the command with {@code args} and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with Perpetua's error handling: a usage error prints one line and gives 2, a
     * failure while running prints one line and gives 1.
     */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new PerpetuaCli());
        cmd.setParameterExceptionHandler(PerpetuaCli::onUsageError);
        cmd.setExecutionExceptionHandler(PerpetuaCli::onFailure);
        return cmd;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing a command, for example 'perpetua demo'");
    }

    private static int onUsageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int onFailure(Exception e, CommandLine cmd, ParseResult parsed) {
        String name = cmd.getCommandSpec().qualifiedName();
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        cmd.getErr().println(name + ": failed: " + oneLine(message));
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The version this command was built as. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = PerpetuaCli.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"perpetua " + p.getProperty("version", "(unknown version)"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
