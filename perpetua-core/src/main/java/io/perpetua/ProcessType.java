package io.perpetua;

import io.perpetua.internal.PureProcess;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A kind of process: how to make its behaviour and the options it runs with. Immutable; each
 * {@code with...} method returns a changed copy and validates its argument.
 *
 * <p>Defaults: no automatic snapshots, keep the last 2 snapshots, keep events covered by snapshots,
 * {@link PoisonEventPolicy#FAIL}, recovery reads 1,000 events at a time, no tags, and a
 * concurrency conflict fails the message (after the newer events are loaded).
 *
 * @param <M> the type of calls and casts
 * @param <S> the state
 * @param <E> the events
 */
public final class ProcessType<M, S, E> {

    private final String name;
    private final Supplier<? extends PersistentProcess<M, S, E>> factory;
    private final int snapshotEvery;
    private final int keepSnapshots;
    private final boolean deleteEventsOnSnapshot;
    private final PoisonEventPolicy poisonPolicy;
    private final int recoveryBatchSize;
    private final BiFunction<? super S, ? super E, Set<String>> tagger;
    private final int conflictRetries;

    private ProcessType(String name, Supplier<? extends PersistentProcess<M, S, E>> factory, int snapshotEvery,
            int keepSnapshots, boolean deleteEventsOnSnapshot, PoisonEventPolicy poisonPolicy, int recoveryBatchSize,
            BiFunction<? super S, ? super E, Set<String>> tagger, int conflictRetries) {
        this.name = name;
        this.factory = factory;
        this.snapshotEvery = snapshotEvery;
        this.keepSnapshots = keepSnapshots;
        this.deleteEventsOnSnapshot = deleteEventsOnSnapshot;
        this.poisonPolicy = poisonPolicy;
        this.recoveryBatchSize = recoveryBatchSize;
        this.tagger = tagger;
        this.conflictRetries = conflictRetries;
    }

    /**
     * A process-form type: {@code factory} makes one {@link PersistentProcess} per running process.
     *
     * @param name a short, stable, non-blank name used in messages and metrics
     */
    public static <M, S, E> ProcessType<M, S, E> of(String name, Supplier<? extends PersistentProcess<M, S, E>> factory) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("process type name must not be blank");
        Objects.requireNonNull(factory, "factory");
        return new ProcessType<>(name, factory, 0, 2, false, PoisonEventPolicy.FAIL, 1000, null, 0);
    }

    /**
     * A pure-form type from plain functions. A call runs {@code decide(command, state)}, persists
     * the returned events atomically (none: nothing is written) and replies with the new state.
     * A rejection is an exception thrown by {@code decide}; the caller gets it and nothing is written.
     *
     * @param initialState the state of a process with no events
     * @param decide command and state to events; must not return null
     * @param evolve state and event to the next state; pure
     */
    public static <C, S, E> ProcessType<C, S, E> pure(String name, S initialState,
            BiFunction<? super C, ? super S, ? extends List<? extends E>> decide,
            BiFunction<? super S, ? super E, ? extends S> evolve) {
        Objects.requireNonNull(initialState, "initialState");
        Objects.requireNonNull(decide, "decide");
        Objects.requireNonNull(evolve, "evolve");
        return of(name, () -> new PureProcess<C, S, E>(name, initialState, decide, evolve));
    }

    /** Saves a snapshot whenever {@code n} or more events were persisted since the last one; 0 turns it off. */
    public ProcessType<M, S, E> withSnapshotEvery(int n) {
        if (n < 0) throw new IllegalArgumentException("snapshotEvery must be >= 0, was " + n);
        return new ProcessType<>(name, factory, n, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries);
    }

    /** Keeps the newest {@code k} snapshots and deletes older ones after each save ({@code k >= 1}). */
    public ProcessType<M, S, E> withSnapshotRetention(int k) {
        if (k < 1) throw new IllegalArgumentException("snapshot retention must be >= 1, was " + k);
        return new ProcessType<>(name, factory, snapshotEvery, k, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries);
    }

    /**
     * After each snapshot, deletes the events covered by the oldest kept snapshot, so that the journal
     * holds only what recovery needs (and any older kept snapshot still has its events).
     */
    public ProcessType<M, S, E> withDeleteEventsOnSnapshot(boolean delete) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, delete, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries);
    }

    /** What recovery does with an event it cannot read or apply. */
    public ProcessType<M, S, E> withPoisonEventPolicy(PoisonEventPolicy policy) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot,
                Objects.requireNonNull(policy, "policy"), recoveryBatchSize, tagger, conflictRetries);
    }

    /** How many events recovery reads at a time (memory use during recovery is bounded by it). */
    public ProcessType<M, S, E> withRecoveryBatchSize(int n) {
        if (n < 1) throw new IllegalArgumentException("recovery batch size must be >= 1, was " + n);
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                n, tagger, conflictRetries);
    }

    /** Chooses the tags of each event from the state before it and the event. */
    public ProcessType<M, S, E> withTagger(BiFunction<? super S, ? super E, Set<String>> tagger) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, Objects.requireNonNull(tagger, "tagger"), conflictRetries);
    }

    /** Tags every event with {@code tagOf(event)}, when that returns a non-null tag. */
    public ProcessType<M, S, E> withTags(Function<? super E, String> tagOf) {
        Objects.requireNonNull(tagOf, "tagOf");
        return withTagger((s, e) -> {
            String tag = tagOf.apply(e);
            return tag == null ? Set.of() : Set.of(tag);
        });
    }

    /**
     * On a concurrency conflict, loads the newer events and runs the message again, up to {@code n}
     * times, as long as the message had not persisted or replied yet; 0 (default) fails the message.
     */
    public ProcessType<M, S, E> withConflictRetries(int n) {
        if (n < 0) throw new IllegalArgumentException("conflict retries must be >= 0, was " + n);
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, n);
    }

    public String name() {
        return name;
    }

    public int snapshotEvery() {
        return snapshotEvery;
    }

    public int snapshotRetention() {
        return keepSnapshots;
    }

    public boolean deleteEventsOnSnapshot() {
        return deleteEventsOnSnapshot;
    }

    public PoisonEventPolicy poisonEventPolicy() {
        return poisonPolicy;
    }

    public int recoveryBatchSize() {
        return recoveryBatchSize;
    }

    public int conflictRetries() {
        return conflictRetries;
    }

    /** A new behaviour instance for one process. */
    PersistentProcess<M, S, E> newBehaviour() {
        PersistentProcess<M, S, E> behaviour = factory.get();
        if (behaviour == null) throw new IllegalStateException("the factory of process type '" + name + "' returned null");
        return behaviour;
    }

    /** The tags of {@code event} persisted in {@code state}. */
    Set<String> tagsOf(S state, E event) {
        if (tagger == null) return Set.of();
        Set<String> tags = tagger.apply(state, event);
        return tags == null ? Set.of() : tags;
    }

    @Override
    public String toString() {
        return "ProcessType[" + name + "]";
    }
}
