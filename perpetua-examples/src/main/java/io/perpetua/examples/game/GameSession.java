package io.perpetua.examples.game;

import io.perpetua.examples.game.PlayerInput.Join;
import io.perpetua.examples.game.PlayerInput.Leave;
import io.perpetua.examples.game.PlayerInput.Look;
import io.perpetua.examples.game.PlayerInput.Move;
import io.perpetua.examples.game.PlayerInput.PickUp;
import java.util.ArrayList;
import java.util.List;

/**
 * One player's game: where they stand on the board, what they carry, how many moves they made.
 * Plain domain code with no Perpetua import: {@link #handle} is the whole game logic.
 *
 * <p>{@code online} is ephemeral: it says whether the player is connected now and is not stored
 * ({@link #stored}), so a session revived after passivation is offline until the player joins again.
 *
 * @param player the player's name, empty before the first join
 * @param x column, 0 to {@link #BOARD_SIZE} - 1
 * @param y row, 0 to {@link #BOARD_SIZE} - 1
 * @param inventory the items picked up, in order
 * @param moves the number of moves made
 * @param online whether the player is connected now (not stored)
 */
public record GameSession(String player, int x, int y, List<String> inventory, int moves, boolean online) {

    /** The board is BOARD_SIZE x BOARD_SIZE squares. */
    public static final int BOARD_SIZE = 10;

    /** A session nobody has played yet. */
    public static final GameSession NEW = new GameSession("", 0, 0, List.of(), 0, false);

    public GameSession {
        inventory = List.copyOf(inventory);
    }

    /** The session after {@code input}; throws {@link IllegalGameInput} for input the rules refuse. */
    public static GameSession handle(GameSession s, PlayerInput input) {
        return switch (input) {
            case Join j -> {
                if (j.player() == null || j.player().isBlank()) throw new IllegalGameInput("a player needs a name");
                if (!s.player().isEmpty() && !s.player().equals(j.player())) {
                    throw new IllegalGameInput("this session belongs to " + s.player());
                }
                yield new GameSession(j.player(), s.x(), s.y(), s.inventory(), s.moves(), true);
            }
            case Move m -> {
                requireOnline(s);
                if (Math.abs(m.dx()) > 1 || Math.abs(m.dy()) > 1) throw new IllegalGameInput("one square at a time");
                int nx = s.x() + m.dx();
                int ny = s.y() + m.dy();
                if (nx < 0 || ny < 0 || nx >= BOARD_SIZE || ny >= BOARD_SIZE) {
                    throw new IllegalGameInput("(" + nx + ", " + ny + ") is off the board");
                }
                yield new GameSession(s.player(), nx, ny, s.inventory(), s.moves() + 1, true);
            }
            case PickUp p -> {
                requireOnline(s);
                List<String> items = new ArrayList<>(s.inventory());
                items.add(p.item());
                yield new GameSession(s.player(), s.x(), s.y(), items, s.moves(), true);
            }
            case Leave l -> new GameSession(s.player(), s.x(), s.y(), s.inventory(), s.moves(), false);
            case Look l -> s;
        };
    }

    /** The form that is stored: everything but the ephemeral {@code online} flag. */
    public static GameSession stored(GameSession s) {
        return s.online() ? new GameSession(s.player(), s.x(), s.y(), s.inventory(), s.moves(), false) : s;
    }

    private static void requireOnline(GameSession s) {
        if (!s.online()) throw new IllegalGameInput("join the game first");
    }
}
