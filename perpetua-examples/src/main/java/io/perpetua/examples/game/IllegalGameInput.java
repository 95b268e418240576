package io.perpetua.examples.game;

/** The rules refuse a player's input; the session is unchanged. */
public final class IllegalGameInput extends RuntimeException {
    public IllegalGameInput(String message) {
        super(message);
    }
}
