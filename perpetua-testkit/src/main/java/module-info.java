/**
 * Perpetua's conformance suite for stores and the fixture for testing process behaviours.
 */
module io.perpetua.testkit {
    requires transitive io.perpetua.core;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;
    requires transitive net.jqwik.api;

    exports io.perpetua.testkit;
    // JUnit and jqwik call the suites' package-private test methods by reflection, also when a store's
    // tests run on the module path.
    opens io.perpetua.testkit;
}
