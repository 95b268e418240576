package io.perpetua.query;

import io.perpetua.PersistedEvent;

/**
 * Applies one event to a read model. Called at least once per event: after a crash or a failure the
 * events since the last checkpoint are handled again, so a handler should be idempotent (for
 * example, remember the last global position it applied per row). With
 * {@link Projection#withParallelism(int) parallelism} above 1 it is called from several threads at
 * once, for events of different persistence ids.
 *
 * <p>A throw is a failure of this event, handled by the projection's {@link FailurePolicy}.
 */
@FunctionalInterface
public interface ProjectionHandler {

    void handle(PersistedEvent event) throws Exception;
}
