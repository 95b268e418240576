/**
 * Conformance suite for Perpetua stores and a fixture for testing process behaviours.
 *
 * <p>A store proves itself with one short test class per suite: {@link io.perpetua.testkit.JournalContract},
 * {@link io.perpetua.testkit.SnapshotStoreContract} and {@link io.perpetua.testkit.CheckpointStoreContract}
 * (JUnit Jupiter), and {@link io.perpetua.testkit.JournalModelProperties} (jqwik). Each subclass only
 * opens the store. The three Jupiter suites may also be {@code @Nested} inner classes of one test class;
 * the jqwik property needs a top-level class of its own, as jqwik does not run Jupiter's nested classes.
 * The suites isolate their tests by fresh random persistence ids, tags and names, so they can share a
 * store, or a database server, with other tests.
 */
package io.perpetua.testkit;
