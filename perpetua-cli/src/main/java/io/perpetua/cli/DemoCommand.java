package io.perpetua.cli;

import io.perpetua.Perpetua;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code perpetua demo}: runs the bank account and hotel booking examples and narrates them. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the bank account (pure form) and the hotel booking (process form) examples, printing the "
                    + "commands sent, each event as it becomes durable, a rejection, a snapshot, and each process "
                    + "recovering its state after it is stopped and started again."
        })
final class DemoCommand implements Callable<Integer> {

    /** The store the demo runs on when {@code --store} is not given. */
    static final String DEFAULT_STORE = "rocksdb:./perpetua-data";

    @Spec
    private CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI", defaultValue = DEFAULT_STORE,
            description = "The store to run on (default: ${DEFAULT-VALUE}, the embedded durable store in the "
                    + "working directory; a second run recovers the first run's processes). 'memory:' keeps nothing "
                    + "once the demo ends; 'postgresql://host/db?user=...' runs it on PostgreSQL. "
                    + "On a store that already holds a run, the demo uses new process ids.")
    private String store;

    @Override
    public Integer call() {
        Perpetua perpetua;
        try {
            perpetua = Perpetua.open(store);
        } catch (IllegalArgumentException | IllegalStateException | io.perpetua.spi.StoreException e) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--store': " + e.getMessage(), e,
                    spec.findOption("--store"), store);
        }
        try (perpetua) {
            boolean consistent = new Demo(perpetua, spec.commandLine().getOut()).run();
            spec.commandLine().getOut().flush();
            return consistent ? 0 : 1;
        }
    }
}
