package io.perpetua;

/**
 * A transient subscriber to the events a runtime persists. It is called on its own thread with
 * each event after the event is durable, in global-position order, so the events of one process
 * arrive in sequence order. Delivery does not slow writers: each subscription buffers up to its
 * capacity, and a subscriber that falls further behind is closed and told by {@link #onOverflow()}.
 * Events persisted before subscribing, or by other runtimes, are not delivered (the read side's
 * durable subscriptions cover that).
 */
@FunctionalInterface
public interface EventListener {

    /** Called with each persisted event. An exception is logged and delivery continues. */
    void onEvent(PersistedEvent event);

    /** Called once if this listener fell too far behind and was closed. */
    default void onOverflow() {}
}
