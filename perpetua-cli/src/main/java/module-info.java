/** The {@code perpetua} command: demo, and the operator's tools as stores arrive. */
module io.perpetua.cli {
    requires io.perpetua.core;
    requires io.perpetua.examples;
    requires info.picocli;
    requires jdk.management; // bench: the JVM's CPU time

    opens io.perpetua.cli to info.picocli;
}
