package io.perpetua;

import io.perpetua.internal.CodecOptions;
import io.perpetua.internal.DurableStateBehaviour;
import io.perpetua.internal.LifecycleOptions;
import io.perpetua.internal.PureProcess;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A kind of process: how to make its behaviour and the options it runs with. Immutable; each
 * {@code with...} method returns a changed copy and validates its argument.
 *
 * <p>Defaults: no automatic snapshots, keep the last 2 snapshots, keep events covered by snapshots,
 * {@link PoisonEventPolicy#FAIL}, recovery reads 1,000 events at a time, no tags, and a
 * concurrency conflict fails the message (after the newer events are loaded). Lifecycle defaults: no
 * passivation, {@link RestartPolicy#TRANSIENT} with a 50 ms to 5 s restart backoff, 3 attempts per
 * message before it is a poison message, no erase on stop, an unbounded mailbox.
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
    private final LifecycleOptions lifecycle;
    private final CodecOptions<S, E> codec;

    private ProcessType(String name, Supplier<? extends PersistentProcess<M, S, E>> factory, int snapshotEvery,
            int keepSnapshots, boolean deleteEventsOnSnapshot, PoisonEventPolicy poisonPolicy, int recoveryBatchSize,
            BiFunction<? super S, ? super E, Set<String>> tagger, int conflictRetries, LifecycleOptions lifecycle,
            CodecOptions<S, E> codec) {
        this.name = name;
        this.factory = factory;
        this.snapshotEvery = snapshotEvery;
        this.keepSnapshots = keepSnapshots;
        this.deleteEventsOnSnapshot = deleteEventsOnSnapshot;
        this.poisonPolicy = poisonPolicy;
        this.recoveryBatchSize = recoveryBatchSize;
        this.tagger = tagger;
        this.conflictRetries = conflictRetries;
        this.lifecycle = lifecycle;
        this.codec = codec;
    }

    /**
     * A process-form type: {@code factory} makes one {@link PersistentProcess} per running process.
     *
     * @param name a short, stable, non-blank name used in messages and metrics
     */
    public static <M, S, E> ProcessType<M, S, E> of(String name, Supplier<? extends PersistentProcess<M, S, E>> factory) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("process type name must not be blank");
        Objects.requireNonNull(factory, "factory");
        return new ProcessType<>(name, factory, 0, 2, false, PoisonEventPolicy.FAIL, 1000, null, 0,
                LifecycleOptions.DEFAULTS, CodecOptions.none());
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
                recoveryBatchSize, tagger, conflictRetries, lifecycle, codec);
    }

    /** Keeps the newest {@code k} snapshots and deletes older ones after each save ({@code k >= 1}). */
    public ProcessType<M, S, E> withSnapshotRetention(int k) {
        if (k < 1) throw new IllegalArgumentException("snapshot retention must be >= 1, was " + k);
        return new ProcessType<>(name, factory, snapshotEvery, k, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries, lifecycle, codec);
    }

    /**
     * After each snapshot, deletes the events covered by the oldest kept snapshot, so that the journal
     * holds only what recovery needs (and any older kept snapshot still has its events).
     */
    public ProcessType<M, S, E> withDeleteEventsOnSnapshot(boolean delete) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, delete, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries, lifecycle, codec);
    }

    /** What recovery does with an event it cannot read or apply. */
    public ProcessType<M, S, E> withPoisonEventPolicy(PoisonEventPolicy policy) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot,
                Objects.requireNonNull(policy, "policy"), recoveryBatchSize, tagger, conflictRetries, lifecycle, codec);
    }

    /** How many events recovery reads at a time (memory use during recovery is bounded by it). */
    public ProcessType<M, S, E> withRecoveryBatchSize(int n) {
        if (n < 1) throw new IllegalArgumentException("recovery batch size must be >= 1, was " + n);
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                n, tagger, conflictRetries, lifecycle, codec);
    }

    /** Chooses the tags of each event from the state before it and the event. */
    public ProcessType<M, S, E> withTagger(BiFunction<? super S, ? super E, Set<String>> tagger) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, Objects.requireNonNull(tagger, "tagger"), conflictRetries, lifecycle, codec);
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
                recoveryBatchSize, tagger, n, lifecycle, codec);
    }

    /**
     * Translates this type's events on their way to and from the journal: on write, one stored event
     * per persisted event with extra tags; on read (recovery and
     * {@link Perpetua#decode(ProcessType, io.perpetua.spi.StoredEvent)}), zero, one or several current
     * events per stored event. Replaces an adapter set earlier. See {@link EventAdapter}.
     */
    public ProcessType<M, S, E> withEventAdapter(EventAdapter<E> adapter) {
        Objects.requireNonNull(adapter, "adapter");
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries, lifecycle,
                new CodecOptions<>(adapter, codec.toStored(), codec.fromStored()));
    }

    /**
     * Stores snapshots in a mapped form: {@code toStored(state)} is what is serialized (for example
     * without caches or open handles), and {@code fromStored(stored)} rebuilds the state from it on
     * recovery. Both must be pure and return non-null; if {@code fromStored} throws, the snapshot is
     * treated as unreadable (logged, and the next older one or the journal is used).
     */
    public ProcessType<M, S, E> withSnapshotMapper(Function<? super S, ?> toStored, Function<Object, ? extends S> fromStored) {
        Objects.requireNonNull(toStored, "toStored");
        Objects.requireNonNull(fromStored, "fromStored");
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries, lifecycle,
                new CodecOptions<>(codec.adapter(), toStored, fromStored));
    }

    /**
     * A durable-state type: no events, the whole state is stored. Each call or cast runs
     * {@code handle(state, message)}; if the new state differs from the old one
     * ({@link Object#equals}), it is stored (through {@code toStored}) before the next message, fenced
     * by the stored revision, and a call replies with the new state. A handler that throws fails its
     * message and stores nothing. A revision conflict (another writer stored first) fails the message
     * with {@link ConcurrencyConflictException} and reloads the stored state. Needs a store whose
     * {@link io.perpetua.spi.Store#durableState()} is supported.
     *
     * @param initialState the state of a process with nothing stored
     * @param handle state and message to the next state; must not return null
     * @param toStored the form stored, for example with ephemeral fields reset; what a revived process
     *     starts from
     */
    public static <M, S> ProcessType<M, S, Void> durableState(String name, S initialState,
            BiFunction<? super S, ? super M, ? extends S> handle, UnaryOperator<S> toStored) {
        Objects.requireNonNull(initialState, "initialState");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(toStored, "toStored");
        return of(name, () -> new DurableStateBehaviour<M, S>(name, initialState, handle, toStored));
    }

    /** {@link #durableState(String, Object, BiFunction, UnaryOperator)} storing the state as it is. */
    public static <M, S> ProcessType<M, S, Void> durableState(String name, S initialState,
            BiFunction<? super S, ? super M, ? extends S> handle) {
        return durableState(name, initialState, handle, s -> s);
    }

    /**
     * Passivates a process after {@code idle} without messages: it stops, leaves memory (the runtime
     * keeps nothing of it) and its pending timers are cancelled. A reference from {@link Perpetua#ref}
     * revives it on its next message, from its snapshot and journal. {@code null} (default): never.
     */
    public ProcessType<M, S, E> withPassivateAfter(Duration idle) {
        if (idle != null && (idle.isNegative() || idle.isZero())) {
            throw new IllegalArgumentException("passivation timeout must be positive, was " + idle);
        }
        return withLifecycle(lifecycle.withPassivateAfter(idle));
    }

    /**
     * What happens when a process crashes or stops itself; see {@link RestartPolicy}. A process
     * <em>crashes</em> when a handler (or {@code onRecovered}) throws an {@link Error}: its in-memory
     * state is no longer trusted. A restarted process recovers after a backoff
     * ({@link #withRestartBackoff}) and handles the crashing message again
     * ({@link #withMessageAttempts}). A handler throwing an exception fails only its message, and a
     * failed persist makes the process recover in place (it ends if that keeps failing); neither is a
     * crash. Default {@link RestartPolicy#TRANSIENT}.
     */
    public ProcessType<M, S, E> withRestartPolicy(RestartPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return withLifecycle(lifecycle.withRestart(policy, lifecycle.restartBackoff(), lifecycle.maxRestartBackoff(),
                lifecycle.messageAttempts()));
    }

    /**
     * Restarts wait {@code first} after a crash, doubling after each further crash without a message
     * handled in between, up to {@code max} (defaults 50 ms and 5 s).
     */
    public ProcessType<M, S, E> withRestartBackoff(Duration first, Duration max) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        if (first.isNegative() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("restart backoff needs 0 <= first <= max, was " + first + " and " + max);
        }
        return withLifecycle(lifecycle.withRestart(lifecycle.restartPolicy(), first, max, lifecycle.messageAttempts()));
    }

    /**
     * A message that crashed the process is handled again by the restarted process, up to {@code n}
     * attempts in all (default 3); then it goes to the dead letters and its caller gets a
     * {@link PoisonMessageException}. With {@link RestartPolicy#TEMPORARY} there is no second attempt.
     */
    public ProcessType<M, S, E> withMessageAttempts(int n) {
        if (n < 1) throw new IllegalArgumentException("message attempts must be >= 1, was " + n);
        return withLifecycle(lifecycle.withRestart(lifecycle.restartPolicy(), lifecycle.restartBackoff(),
                lifecycle.maxRestartBackoff(), n));
    }

    /**
     * On a normal stop ({@link Context#stop()} or {@link ProcessRef#stop()}; not passivation, a crash
     * or closing the runtime) deletes the process's events, snapshots and durable state. A later
     * message starts it with its initial state; the journal keeps the highest sequence number, so new
     * events continue the numbering.
     */
    public ProcessType<M, S, E> withEraseOnStop(boolean erase) {
        return withLifecycle(lifecycle.withEraseOnStop(erase));
    }

    /**
     * Bounds the mailbox to {@code limit} waiting messages (0: unbounded, the default) with the given
     * overflow policy. Timer messages are never refused.
     */
    public ProcessType<M, S, E> withMailboxLimit(int limit, MailboxOverflow overflow) {
        if (limit < 0) throw new IllegalArgumentException("mailbox limit must be >= 0, was " + limit);
        return withLifecycle(lifecycle.withMailbox(limit, Objects.requireNonNull(overflow, "overflow")));
    }

    private ProcessType<M, S, E> withLifecycle(LifecycleOptions l) {
        return new ProcessType<>(name, factory, snapshotEvery, keepSnapshots, deleteEventsOnSnapshot, poisonPolicy,
                recoveryBatchSize, tagger, conflictRetries, l, codec);
    }

    /** The idle time after which a process passivates, if it does. */
    public Optional<Duration> passivateAfter() {
        return Optional.ofNullable(lifecycle.passivateAfter());
    }

    public RestartPolicy restartPolicy() {
        return lifecycle.restartPolicy();
    }

    public boolean eraseOnStop() {
        return lifecycle.eraseOnStop();
    }

    LifecycleOptions lifecycle() {
        return lifecycle;
    }

    CodecOptions<S, E> codecOptions() {
        return codec;
    }

    /** The event adapter set with {@link #withEventAdapter}, if any. */
    public Optional<EventAdapter<E>> eventAdapter() {
        return Optional.ofNullable(codec.adapter());
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
