/**
 * The read side: queries over the journal, durable subscriptions and projections.
 *
 * <p>Everything here reads the store through the storage SPI, so it works on every store and sees
 * events persisted by any runtime. {@link io.perpetua.query.EventQueries} is the entry point: current
 * and live {@link io.perpetua.query.Query queries} (a pull {@link io.perpetua.query.QueryStream} or a
 * {@link java.util.concurrent.Flow.Publisher}), named {@link io.perpetua.query.DurableSubscription
 * durable subscriptions} with acknowledgements and checkpoints, and
 * {@link io.perpetua.query.Projection projections} that run a handler over them. Memory is bounded by
 * the page size and the in-flight limit, never by the length of the journal.
 */
package io.perpetua.query;
