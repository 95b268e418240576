package io.perpetua.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.perpetua.spi.Store;
import io.perpetua.testkit.FlawedStore.Flaw;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * The conformance suites have teeth: run against a store that does nothing, every test fails except
 * a short named list, and the model property also fails on a memory store with one subtle flaw.
 *
 * <p>The suites are run through {@link EngineTestKit} on subclasses nested here as static classes,
 * which Surefire does not run by itself (it excludes nested classes) and which neither JUnit Jupiter
 * nor jqwik discovers from this enclosing class.
 */
class ContractSuiteCatchesBrokenStoresTest {

    /**
     * The only tests a store that does nothing passes, per suite, each because it cannot tell such a
     * store from a conformant one.
     */
    private static final Map<Class<?>, Set<String>> PASS_ON_A_STORE_THAT_DOES_NOTHING = Map.of(
            JournalContract.class, Set.of(
                    // It checks exactly what an empty store shows: highest 0 and no events.
                    "an_unknown_persistence_id_has_highest_sequence_number_zero_and_no_events",
                    // AtomicWrite rejects the id before any store sees it; the test documents the rule.
                    "an_invalid_persistence_id_is_rejected_before_reaching_the_store"),
            SnapshotStoreContract.class, Set.of(
                    // It checks exactly what an empty store shows.
                    "an_unknown_persistence_id_has_no_snapshot"),
            CheckpointStoreContract.class, Set.of(
                    // It checks exactly what an empty store shows.
                    "an_unknown_name_has_no_checkpoint"),
            JournalModelProperties.class, Set.of(),
            QueryContract.class, Set.of(
                    // The read side guards consumer names within the JVM itself; the store only adds a
                    // guard across openers, which this test does not exercise.
                    "a_second_consumer_under_the_same_name_is_refused_while_the_first_is_open"));

    @Test
    void every_journal_test_fails_on_a_store_that_does_nothing_except_the_named_ones() {
        assertOnlyTheNamedTestsPass(run("junit-jupiter", NullJournal.class), JournalContract.class, Test.class);
    }

    @Test
    void every_snapshot_store_test_fails_on_a_store_that_does_nothing_except_the_named_ones() {
        assertOnlyTheNamedTestsPass(run("junit-jupiter", NullSnapshotStore.class), SnapshotStoreContract.class,
                Test.class);
    }

    @Test
    void every_checkpoint_store_test_fails_on_a_store_that_does_nothing_except_the_named_ones() {
        assertOnlyTheNamedTestsPass(run("junit-jupiter", NullCheckpointStore.class), CheckpointStoreContract.class,
                Test.class);
    }

    @Test
    void every_query_test_fails_on_a_store_that_does_nothing_except_the_named_ones() {
        assertOnlyTheNamedTestsPass(run("junit-jupiter", NullQuery.class), QueryContract.class, Test.class);
    }

    @Test
    void the_model_property_fails_on_a_store_that_does_nothing() {
        assertOnlyTheNamedTestsPass(run("jqwik", NullJournalModel.class), JournalModelProperties.class,
                Property.class);
    }

    @ParameterizedTest
    @EnumSource(Flaw.class)
    void the_model_property_fails_on_a_journal_with_one_flaw(Flaw flaw) {
        FlawedJournalModel.flaw = flaw;

        Events tests = run("jqwik", FlawedJournalModel.class).testEvents();

        assertThat(tests.started().count()).as("properties started").isEqualTo(1);
        assertThat(tests.failed().count()).as("properties failed on a journal that " + flaw).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------ broken stores

    static final class NullJournal extends JournalContract {
        @Override
        protected Store openStore() {
            return new NullStore();
        }
    }

    static final class NullSnapshotStore extends SnapshotStoreContract {
        @Override
        protected Store openStore() {
            return new NullStore();
        }
    }

    static final class NullCheckpointStore extends CheckpointStoreContract {
        @Override
        protected Store openStore() {
            return new NullStore();
        }
    }

    static final class NullQuery extends QueryContract {
        @Override
        protected Store openStore() {
            return new NullStore();
        }

        /** Nothing ever arrives from a store that does nothing, so waiting long proves nothing. */
        @Override
        protected Duration patience() {
            return Duration.ofMillis(300);
        }
    }

    static final class NullJournalModel extends JournalModelProperties {
        @Override
        protected Store openStore() {
            return new NullStore();
        }
    }

    /** Runs on the flaw set just before; the engine runs in the calling thread. */
    static final class FlawedJournalModel extends JournalModelProperties {
        static volatile Flaw flaw;

        @Override
        protected Store openStore() {
            return new FlawedStore(flaw);
        }
    }

    // ------------------------------------------------------------------------------------ running suites

    private static EngineExecutionResults run(String engine, Class<?> suite) {
        return EngineTestKit.engine(engine)
                .selectors(selectClass(suite))
                .configurationParameter("jqwik.database", "target/jqwik-database-broken-stores")
                .configurationParameter("jqwik.reporting.usejunitplatform", "true")
                .execute();
    }

    private static void assertOnlyTheNamedTestsPass(
            EngineExecutionResults results, Class<?> contract, Class<? extends Annotation> testAnnotation) {
        Set<String> declared = Arrays.stream(contract.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(testAnnotation))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> expectedToPass = PASS_ON_A_STORE_THAT_DOES_NOTHING.get(contract);
        Set<String> expectedToFail = new TreeSet<>(declared);
        expectedToFail.removeAll(expectedToPass);
        Events tests = results.testEvents();

        assertThat(results.containerEvents().failed().count()).as("failed containers").isZero();
        assertThat(names(tests.started())).as("tests started, so none was skipped").isEqualTo(declared);
        assertThat(names(tests.succeeded())).as("tests that pass on a store that does nothing")
                .isEqualTo(new TreeSet<>(expectedToPass));
        assertThat(names(tests.failed())).as("tests that fail on a store that does nothing").isEqualTo(expectedToFail);
    }

    private static Set<String> names(Events events) {
        return events.stream().map(ContractSuiteCatchesBrokenStoresTest::methodName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String methodName(Event event) {
        return event.getTestDescriptor().getSource()
                .filter(MethodSource.class::isInstance)
                .map(s -> ((MethodSource) s).getMethodName())
                .orElseGet(() -> event.getTestDescriptor().getDisplayName());
    }
}
