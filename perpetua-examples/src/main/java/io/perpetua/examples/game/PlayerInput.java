package io.perpetua.examples.game;

/** What a player sends to their game session. */
public sealed interface PlayerInput {

    /** Starts playing (again); the session goes online. */
    record Join(String player) implements PlayerInput {}

    /** Moves by (dx, dy), one square at most in each direction, staying on the board. */
    record Move(int dx, int dy) implements PlayerInput {}

    /** Picks up the item lying on the current square. */
    record PickUp(String item) implements PlayerInput {}

    /** Stops playing; the session goes offline. */
    record Leave() implements PlayerInput {}

    /** Asks for the session without changing it. */
    record Look() implements PlayerInput {}
}
