/**
 * Example programs: the bank account (pure form), the hotel booking (process form), read models
 * built by projections over them, and game sessions (durable state, passivated between sessions).
 */
module io.perpetua.examples {
    requires transitive io.perpetua.core;

    exports io.perpetua.examples.bank;
    exports io.perpetua.examples.booking;
    exports io.perpetua.examples.game;
    exports io.perpetua.examples.readside;
}
