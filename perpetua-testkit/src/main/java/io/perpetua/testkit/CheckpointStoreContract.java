package io.perpetua.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.Store;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite for {@link CheckpointStore}: save, load, overwrite and delete named positions,
 * and reject blank names. A store is conformant when a subclass that opens it passes every test:
 *
 * <pre>{@code
 * class MyCheckpointStoreTest extends CheckpointStoreContract {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openStore()} is called once before the tests of the class (the store is closed after
 * them) and once more by {@code every_call_after_close_throws_illegal_state_exception}, which
 * closes the store it gets; each call must return a newly opened {@link Store}, which may share its
 * data with the others. Tests isolate themselves by fresh random names and never wipe anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CheckpointStoreContract {

    private Store store;
    private CheckpointStore checkpoints;

    /** For subclasses, one per store. */
    protected CheckpointStoreContract() {}

    /**
     * Opens the store under test; see the class comment for when it is called.
     *
     * @return a newly opened store
     * @throws Exception if the store cannot be opened, which fails the suite
     */
    protected abstract Store openStore() throws Exception;

    @BeforeAll
    final void openTheStore() throws Exception {
        store = openStore();
        checkpoints = store.checkpoints();
    }

    @AfterAll
    final void closeTheStore() {
        if (store != null) store.close();
    }

    @Test
    void loads_the_position_it_saved() {
        String name = freshName();

        checkpoints.save(name, 42);

        assertThat(checkpoints.load(name)).hasValue(42);
    }

    @Test
    void saving_again_overwrites_even_with_a_lower_position() {
        String name = freshName();
        checkpoints.save(name, 5);
        checkpoints.save(name, 9);
        assertThat(checkpoints.load(name)).hasValue(9);

        checkpoints.save(name, 3);

        assertThat(checkpoints.load(name)).hasValue(3);
    }

    @Test
    void keeps_zero_and_long_max_value() {
        String zero = freshName();
        String max = freshName();

        checkpoints.save(zero, 0);
        checkpoints.save(max, Long.MAX_VALUE);

        assertThat(checkpoints.load(zero)).hasValue(0);
        assertThat(checkpoints.load(max)).hasValue(Long.MAX_VALUE);
    }

    @Test
    void names_are_independent() {
        String a = freshName();
        String b = freshName();

        checkpoints.save(a, 1);
        checkpoints.save(b, 2);

        assertThat(checkpoints.load(a)).hasValue(1);
        assertThat(checkpoints.load(b)).hasValue(2);
    }

    @Test
    void lists_the_names_that_hold_a_position_in_code_point_order() {
        String a = freshName() + "-a";
        String b = freshName() + "-b";
        String deleted = freshName() + "-c";
        checkpoints.save(b, 2);
        checkpoints.save(a, 1);
        checkpoints.save(deleted, 3);
        checkpoints.delete(deleted);

        List<String> names = checkpoints.names();
        assertThat(names).contains(a, b).doesNotContain(deleted);
        assertThat(names).isSortedAccordingTo(CheckpointStoreContract::compareCodePoints);
    }

    private static int compareCodePoints(String x, String y) {
        int[] a = x.codePoints().toArray();
        int[] b = y.codePoints().toArray();
        return java.util.Arrays.compare(a, b);
    }

    @Test
    void deletes_a_checkpoint() {
        String name = freshName();
        checkpoints.save(name, 42);
        assertThat(checkpoints.load(name)).hasValue(42);

        checkpoints.delete(name);

        assertThat(checkpoints.load(name)).isEmpty();
    }

    @Test
    void deleting_one_name_leaves_the_others() {
        String kept = freshName();
        checkpoints.save(kept, 7);

        checkpoints.delete(freshName());

        assertThat(checkpoints.load(kept)).hasValue(7);
    }

    @Test
    void an_unknown_name_has_no_checkpoint() {
        assertThat(checkpoints.load(freshName())).isEmpty();
    }

    @Test
    void accepts_a_name_of_255_characters_with_any_non_control_characters() {
        String name = Samples.longestId(freshName());

        checkpoints.save(name, 11);

        assertThat(checkpoints.load(name)).hasValue(11);
    }

    @Test
    void a_blank_name_is_rejected() {
        for (String blank : List.of("", " ", "\t")) {
            assertThatThrownBy(() -> checkpoints.save(blank, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> checkpoints.load(blank)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> checkpoints.delete(blank)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> checkpoints.save(null, 1))
                .isInstanceOfAny(IllegalArgumentException.class, NullPointerException.class);
    }

    @Test
    void every_call_after_close_throws_illegal_state_exception() throws Exception {
        Store other = openStore();
        assertThat(other).as("openStore() must return a new store each time").isNotSameAs(store);
        CheckpointStore closed = other.checkpoints();
        other.close();
        String name = freshName();

        assertThatThrownBy(() -> closed.save(name, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.load(name)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.delete(name)).isInstanceOf(IllegalStateException.class);
    }

    private static String freshName() {
        return "contract-checkpoint-" + UUID.randomUUID();
    }
}
