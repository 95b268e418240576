/**
 * Perpetua's conformance suite for stores and the fixture for testing process behaviours.
 */
module io.perpetua.testkit {
    requires transitive io.perpetua.core;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;
    requires transitive net.jqwik.api;

    exports io.perpetua.testkit;
}
