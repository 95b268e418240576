/** Example programs: the bank account (pure form) and the hotel booking (process form). */
module io.perpetua.examples {
    requires transitive io.perpetua.core;

    exports io.perpetua.examples.bank;
    exports io.perpetua.examples.booking;
}
