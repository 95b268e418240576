package io.perpetua.examples.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.examples.game.PlayerInput.Join;
import io.perpetua.examples.game.PlayerInput.Leave;
import io.perpetua.examples.game.PlayerInput.Move;
import io.perpetua.examples.game.PlayerInput.PickUp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The game rules, as plain functions: no runtime needed. */
class GameSessionTest {

    private static final GameSession ANN = GameSession.handle(GameSession.NEW, new Join("ann"));

    @Test
    void joining_puts_the_player_online_at_the_start() {
        assertThat(ANN).isEqualTo(new GameSession("ann", 0, 0, List.of(), 0, true));
    }

    @Test
    void a_move_changes_the_position_and_counts() {
        GameSession s = GameSession.handle(ANN, new Move(1, 1));

        assertThat(s.x()).isEqualTo(1);
        assertThat(s.y()).isEqualTo(1);
        assertThat(s.moves()).isEqualTo(1);
    }

    @Test
    void moves_off_the_board_or_longer_than_one_square_are_refused() {
        assertThatThrownBy(() -> GameSession.handle(ANN, new Move(-1, 0))).isInstanceOf(IllegalGameInput.class)
                .hasMessageContaining("off the board");
        assertThatThrownBy(() -> GameSession.handle(ANN, new Move(2, 0))).isInstanceOf(IllegalGameInput.class);
    }

    @Test
    void an_offline_player_must_join_before_playing() {
        GameSession left = GameSession.handle(ANN, new Leave());

        assertThatThrownBy(() -> GameSession.handle(left, new PickUp("key"))).isInstanceOf(IllegalGameInput.class)
                .hasMessageContaining("join");
    }

    @Test
    void another_player_cannot_take_over_a_session() {
        assertThatThrownBy(() -> GameSession.handle(ANN, new Join("bob"))).isInstanceOf(IllegalGameInput.class);
    }

    @Test
    void the_stored_form_drops_only_the_online_flag() {
        GameSession playing = GameSession.handle(GameSession.handle(ANN, new PickUp("key")), new Move(0, 1));

        assertThat(GameSession.stored(playing)).isEqualTo(new GameSession("ann", 0, 1, List.of("key"), 1, false));
    }
}
