package io.perpetua;

/** A pending {@link Context#sendAfter} message. */
public interface Timer {

    /** Cancels delivery; returns false if the message was already delivered or cancelled. */
    boolean cancel();
}
