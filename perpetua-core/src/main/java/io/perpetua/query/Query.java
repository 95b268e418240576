package io.perpetua.query;

import java.util.concurrent.Flow;

/**
 * A query that can be run any number of times: each {@link #open()} or each subscriber of
 * {@link #publisher()} reads the journal afresh from the query's start. A <em>current</em> query
 * delivers what exists when it is opened and then ends; a <em>live</em> query continues with events
 * persisted later until it is closed or cancelled.
 *
 * @param <T> what the query delivers
 */
public interface Query<T> {

    /** Opens a pull stream over the query's results; the caller closes it. */
    QueryStream<T> open();

    /**
     * A publisher that opens a new stream for each subscriber and delivers no more than the subscriber
     * has requested. Each subscriber is served by its own virtual thread; {@code onNext} is never called
     * concurrently for one subscriber. A current query ends with {@code onComplete}; a store failure
     * ends it with {@code onError}; {@code cancel} closes the stream.
     */
    Flow.Publisher<T> publisher();
}
