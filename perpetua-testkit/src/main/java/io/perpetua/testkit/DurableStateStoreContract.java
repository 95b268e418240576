package io.perpetua.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.perpetua.spi.DurableStateRecord;
import io.perpetua.spi.DurableStateStore;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Store;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The conformance suite for {@link DurableStateStore}: load what was stored, revisions that count
 * writes and fence concurrent writers (exactly one of many writers expecting the same revision
 * wins), delete, byte arrays never shared with the caller, and no calls after close. A store is
 * conformant when a subclass that opens it passes every test:
 *
 * <pre>{@code
 * class MyDurableStateStoreTest extends DurableStateStoreContract {
 *     @Override protected Store openStore() throws IOException {
 *         return Stores.open("mystore:" + Files.createTempDirectory("perpetua"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #openStore()} is called once before the tests of the class (the store is closed after
 * them) and once more by {@code every_call_after_close_throws_illegal_state_exception}, which closes
 * the store it gets; each call must return a newly opened {@link Store}. Tests isolate themselves by
 * fresh random persistence ids and never wipe anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DurableStateStoreContract {

    private Store store;
    private DurableStateStore states;

    /** For subclasses, one per store. */
    protected DurableStateStoreContract() {}

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
        states = store.durableState();
    }

    @AfterAll
    final void closeTheStore() {
        if (store != null) store.close();
    }

    private static String freshId() {
        return "state-" + UUID.randomUUID();
    }

    private static Payload.Serialized payload(String text) {
        return new Payload.Serialized("test.State", 1, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_process_with_nothing_stored_loads_empty() {
        assertThat(states.load(freshId())).isEmpty();
    }

    @Test
    void the_first_upsert_expects_revision_zero_and_stores_revision_one() {
        String id = freshId();

        assertThat(states.upsert(id, 0, payload("a"))).isTrue();

        DurableStateRecord r = states.load(id).orElseThrow();
        assertThat(r.persistenceId()).isEqualTo(id);
        assertThat(r.revision()).isEqualTo(1);
        assertThat(r.payload()).isEqualTo(payload("a"));
    }

    @Test
    void each_upsert_with_the_current_revision_replaces_the_state_and_increments_the_revision() {
        String id = freshId();
        states.upsert(id, 0, payload("a"));
        states.upsert(id, 1, payload("b"));

        assertThat(states.upsert(id, 2, payload("c"))).isTrue();

        assertThat(states.load(id).orElseThrow().revision()).isEqualTo(3);
        assertThat(states.load(id).orElseThrow().payload()).isEqualTo(payload("c"));
    }

    @Test
    void an_upsert_with_a_stale_revision_writes_nothing_and_returns_false() {
        String id = freshId();
        states.upsert(id, 0, payload("a"));
        states.upsert(id, 1, payload("b"));

        assertThat(states.upsert(id, 1, payload("stale"))).isFalse();
        assertThat(states.upsert(id, 0, payload("stale"))).isFalse();
        assertThat(states.upsert(id, 5, payload("ahead"))).isFalse();

        assertThat(states.load(id).orElseThrow().payload()).isEqualTo(payload("b"));
        assertThat(states.load(id).orElseThrow().revision()).isEqualTo(2);
    }

    @Test
    void of_many_concurrent_writers_expecting_the_same_revision_exactly_one_wins() throws Exception {
        String id = freshId();
        states.upsert(id, 0, payload("start"));
        int writers = 16;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < writers; i++) {
                String text = "writer-" + i;
                Callable<Boolean> write = () -> {
                    go.await();
                    return states.upsert(id, 1, payload(text));
                };
                results.add(pool.submit(write));
            }
            go.countDown();
            int wins = 0;
            for (Future<Boolean> f : results) if (f.get()) wins++;
            assertThat(wins).isEqualTo(1);
        }
        assertThat(states.load(id).orElseThrow().revision()).isEqualTo(2);
    }

    @Test
    void delete_removes_the_state_and_the_next_upsert_expects_revision_zero() {
        String id = freshId();
        states.upsert(id, 0, payload("a"));

        states.delete(id);

        assertThat(states.load(id)).isEmpty();
        assertThat(states.upsert(id, 1, payload("stale"))).isFalse();
        assertThat(states.upsert(id, 0, payload("b"))).isTrue();
        assertThat(states.load(id).orElseThrow().revision()).isEqualTo(1);
    }

    @Test
    void deleting_a_state_that_does_not_exist_does_nothing() {
        String id = freshId();

        states.delete(id);

        assertThat(states.load(id)).isEmpty();
    }

    @Test
    void states_of_different_processes_are_independent() {
        String a = freshId();
        String b = freshId();
        states.upsert(a, 0, payload("a"));

        assertThat(states.upsert(b, 0, payload("b"))).isTrue();
        states.delete(a);

        assertThat(states.load(b).orElseThrow().payload()).isEqualTo(payload("b"));
    }

    @Test
    void changing_a_byte_array_given_or_returned_does_not_change_the_stored_state() {
        String id = freshId();
        Payload.Serialized given = payload("abc");
        states.upsert(id, 0, given);
        given.bytes()[0] = 'x';
        ((Payload.Serialized) states.load(id).orElseThrow().payload()).bytes()[1] = 'y';

        assertThat(states.load(id).orElseThrow().payload()).isEqualTo(payload("abc"));
    }

    @Test
    void every_call_after_close_throws_illegal_state_exception() throws Exception {
        Store other = openStore();
        assertThat(other).as("openStore() must return a new store each time").isNotSameAs(store);
        DurableStateStore closed = other.durableState();
        other.close();
        String id = freshId();

        assertThatThrownBy(() -> closed.load(id)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.upsert(id, 0, payload("a"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> closed.delete(id)).isInstanceOf(IllegalStateException.class);
    }
}
