package io.perpetua.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.DurableStateRecord;
import io.perpetua.spi.DurableStateStore;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.Payload;
import io.perpetua.spi.SnapshotStore;
import io.perpetua.spi.Store;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The durable-state suite has teeth: run against a store that claims every write succeeded and keeps
 * nothing, every test fails except the two that check what an empty store shows.
 */
class DurableStateContractCatchesBrokenStoresTest {

    private static final Set<String> PASS_ON_A_STORE_THAT_DOES_NOTHING = Set.of(
            "a_process_with_nothing_stored_loads_empty",
            "deleting_a_state_that_does_not_exist_does_nothing");

    @Test
    void every_durable_state_test_fails_on_a_store_that_does_nothing_except_the_named_ones() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(NullDurableState.class)).execute();
        Set<String> declared = Arrays.stream(DurableStateStoreContract.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Test.class))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> expectedToFail = new TreeSet<>(declared);
        expectedToFail.removeAll(PASS_ON_A_STORE_THAT_DOES_NOTHING);
        Events tests = results.testEvents();

        assertThat(results.containerEvents().failed().count()).as("failed containers").isZero();
        assertThat(names(tests.started())).as("tests started, so none was skipped").isEqualTo(declared);
        assertThat(names(tests.succeeded())).isEqualTo(new TreeSet<>(PASS_ON_A_STORE_THAT_DOES_NOTHING));
        assertThat(names(tests.failed())).isEqualTo(expectedToFail);
    }

    private static Set<String> names(Events events) {
        return events.stream()
                .map(e -> e.getTestDescriptor().getSource().filter(MethodSource.class::isInstance)
                        .map(s -> ((MethodSource) s).getMethodName())
                        .orElseGet(() -> e.getTestDescriptor().getDisplayName()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static final class NullDurableState extends DurableStateStoreContract {
        @Override
        protected Store openStore() {
            return new ForgetfulStore();
        }
    }

    /** Claims every write succeeded, keeps nothing, and never notices it was closed. */
    private static final class ForgetfulStore implements Store, DurableStateStore {
        private final NullStore rest = new NullStore();

        @Override
        public String uri() {
            return "forgetful:";
        }

        @Override
        public EventJournal journal() {
            return rest.journal();
        }

        @Override
        public SnapshotStore snapshots() {
            return rest.snapshots();
        }

        @Override
        public CheckpointStore checkpoints() {
            return rest.checkpoints();
        }

        @Override
        public DurableStateStore durableState() {
            return this;
        }

        @Override
        public Optional<DurableStateRecord> load(String persistenceId) {
            return Optional.empty();
        }

        @Override
        public boolean upsert(String persistenceId, long expectedRevision, Payload payload) {
            return true;
        }

        @Override
        public void delete(String persistenceId) {}

        @Override
        public void close() {}
    }
}
