package io.perpetua.query;

/**
 * What a projection run did.
 *
 * @param handled events the handler processed successfully
 * @param skipped events the handler failed on and the policy skipped
 * @param filteredOut events the filter kept from the handler
 * @param checkpoint the position the run acknowledged up to
 */
public record ProjectionResult(long handled, long skipped, long filteredOut, long checkpoint) {}
