package io.perpetua.examples.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.examples.game.PlayerInput.Join;
import io.perpetua.examples.game.PlayerInput.Look;
import io.perpetua.examples.game.PlayerInput.Move;
import io.perpetua.examples.game.PlayerInput.PickUp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Game sessions on a real runtime: stored whole, passivated between sessions, revived by the next input. */
class GameTest {

    private static final Duration IDLE = Duration.ofMillis(100);

    @Test
    void the_scenario_runs_and_each_player_finds_the_game_where_they_left_it() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            Game.play(perpetua, IDLE, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        }
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("ann: at (2, 1), 2 moves, carrying [key]");
        assertThat(out).contains("bob: move refused: (-1, 1) is off the board");
        assertThat(out).contains("both sessions passivated; live sessions: 0");
        assertThat(out).contains("ann comes back: at (2, 1), 2 moves, carrying [key], offline");
        assertThat(out).contains("ann: at (2, 2), 3 moves, carrying [key]");
    }

    @Test
    void a_session_revived_after_passivation_has_exactly_its_stored_state() throws InterruptedException {
        String player = "player-" + UUID.randomUUID();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<PlayerInput> session = perpetua.ref(Game.sessions(IDLE), player);
            session.call(new Join("carol"));
            session.call(new Move(1, 0));
            GameSession before = session.call(new PickUp("lamp"));
            while (session.isAlive()) Thread.sleep(10);

            GameSession revived = session.call(new Look());

            assertThat(revived).isEqualTo(GameSession.stored(before));
            assertThat(revived).isEqualTo(new GameSession("carol", 1, 0, List.of("lamp"), 1, false));
            assertThat(perpetua.store().durableState().load(player).orElseThrow().revision()).isEqualTo(3);
        }
    }

    @Test
    void input_the_rules_refuse_changes_nothing_stored() {
        String player = "player-" + UUID.randomUUID();
        try (Perpetua perpetua = Perpetua.open("memory:")) {
            ProcessRef<PlayerInput> session = perpetua.ref(Game.sessions(IDLE), player);
            session.call(new Join("dan"));

            assertThatThrownBy(() -> session.call(new Move(-1, 0))).isInstanceOf(IllegalGameInput.class);

            assertThat(perpetua.store().durableState().load(player).orElseThrow().revision()).isEqualTo(1);
        }
    }

    @Test
    void main_runs_as_a_program() throws InterruptedException {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Game.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("ann comes back: at (2, 1)");
    }
}
