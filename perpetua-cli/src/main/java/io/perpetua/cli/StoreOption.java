package io.perpetua.cli;

import io.perpetua.Stores;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoreException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --store URI} option shared by the operator's commands; a store that cannot be opened is a usage error. */
final class StoreOption {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--store", paramLabel = "URI", required = true,
            description = "The store, for example 'rocksdb:./perpetua-data' or 'memory:NAME'.")
    String uri;

    /** Opens the store, or fails with a one-line usage error (exit code 2). */
    Store open() {
        try {
            return Stores.open(uri);
        } catch (IllegalArgumentException | StoreException e) {
            throw new ParameterException(spec.commandLine(), "invalid value for option '--store': " + e.getMessage(), e,
                    spec.findOption("--store"), uri);
        }
    }
}
