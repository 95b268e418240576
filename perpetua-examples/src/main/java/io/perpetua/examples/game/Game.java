package io.perpetua.examples.game;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.examples.game.PlayerInput.Join;
import io.perpetua.examples.game.PlayerInput.Leave;
import io.perpetua.examples.game.PlayerInput.Look;
import io.perpetua.examples.game.PlayerInput.Move;
import io.perpetua.examples.game.PlayerInput.PickUp;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Game sessions as durable-state processes: one process per player, holding the session in memory
 * while the player plays and storing it whole after each input that changes it. Between sessions
 * the process passivates and costs nothing; the player's next input revives it from the store.
 *
 * <pre>{@code
 * ProcessRef<PlayerInput> session = perpetua.ref(Game.sessions(Duration.ofMinutes(5)), "player-ann");
 * GameSession s = session.call(new Move(1, 0));
 * }</pre>
 *
 * <p>Run {@link #main} for two players' sessions with a pause between them:
 * {@code java io.perpetua.examples.game.Game}. It needs a store with durable state ({@code memory:}).
 */
public final class Game {

    private Game() {}

    /** The process type of game sessions, passivating after {@code idle} without input. */
    public static ProcessType<PlayerInput, GameSession, Void> sessions(Duration idle) {
        return ProcessType.durableState("game-session", GameSession.NEW, GameSession::handle, GameSession::stored)
                .withPassivateAfter(idle);
    }

    /** Plays the scenario on a fresh memory store, printing to standard output. */
    public static void main(String[] args) throws InterruptedException {
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            play(perpetua, Duration.ofMillis(200), System.out);
        }
    }

    /**
     * Two players play a session each, leave, and come back after their sessions have passivated;
     * each finds their game where they left it.
     */
    public static void play(Perpetua perpetua, Duration idle, PrintStream out) throws InterruptedException {
        ProcessType<PlayerInput, GameSession, Void> type = sessions(idle);
        ProcessRef<PlayerInput> ann = perpetua.ref(type, "player-ann");
        ProcessRef<PlayerInput> bob = perpetua.ref(type, "player-bob");

        out.println("-- first session");
        ann.call(new Join("ann"));
        ann.call(new Move(1, 0));
        ann.call(new Move(1, 1));
        GameSession annAfter = ann.call(new PickUp("key"));
        ann.call(new Leave());
        out.println("ann: " + describe(annAfter));
        bob.call(new Join("bob"));
        GameSession bobAfter = bob.call(new Move(0, 1));
        try {
            bob.call(new Move(-1, 0));
        } catch (IllegalGameInput refused) {
            out.println("bob: move refused: " + refused.getMessage());
        }
        bob.call(new Leave());
        out.println("bob: " + describe(bobAfter));
        out.println("live sessions: " + perpetua.liveProcesses());

        while (perpetua.liveProcesses() > 0) Thread.sleep(idle.toMillis() / 4);
        out.println("-- both sessions passivated; live sessions: " + perpetua.liveProcesses());

        out.println("-- second session");
        GameSession annBack = ann.call(new Look());
        out.println("ann comes back: " + describe(annBack) + (annBack.online() ? "" : ", offline"));
        ann.call(new Join("ann"));
        GameSession annLater = ann.call(new Move(0, 1));
        out.println("ann: " + describe(annLater));
        out.println("live sessions: " + perpetua.liveProcesses());
    }

    private static String describe(GameSession s) {
        return "at (" + s.x() + ", " + s.y() + "), " + s.moves() + " moves, carrying " + s.inventory();
    }
}
