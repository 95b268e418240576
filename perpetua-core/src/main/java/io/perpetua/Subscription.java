package io.perpetua;

/** A live registration of an {@link EventListener}; closing it stops delivery. */
public interface Subscription extends AutoCloseable {

    /** Whether delivery has stopped, by {@link #close()}, by overflow or by the runtime closing. */
    boolean isClosed();

    @Override
    void close();
}
