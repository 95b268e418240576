package io.perpetua;

/**
 * The state of a process as rebuilt from the store.
 *
 * @param state the state after every readable event
 * @param sequenceNr the highest sequence number of the process's stream (0 if it has none)
 */
public record RecoveredState<S>(S state, long sequenceNr) {}
