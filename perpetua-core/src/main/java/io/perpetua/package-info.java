/**
 * The public API of Perpetua: persistent processes whose state changes are events in a journal.
 *
 * <p>Write a process in one of two forms. The <em>pure form</em> is three plain functions (an
 * initial state, {@code decide(command, state) -> events}, {@code evolve(state, event) -> state})
 * registered with {@link io.perpetua.ProcessType#pure}; the domain code needs no Perpetua import.
 * The <em>process form</em> implements {@link io.perpetua.PersistentProcess}: handlers for calls,
 * casts and info messages with a {@link io.perpetua.Context} that offers {@code persist},
 * {@code persistAll}, {@code reply}, {@code sendAfter}, {@code saveSnapshot} and {@code stop}. Run
 * either on a {@link io.perpetua.Perpetua} runtime opened on a store URI.
 */
package io.perpetua;
