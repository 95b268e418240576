package io.perpetua;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.perpetua.internal.AskTimeouts;
import io.perpetua.internal.CodecOptions;
import io.perpetua.internal.EventCodec;
import io.perpetua.internal.DurableStateBehaviour;
import io.perpetua.internal.EventDispatcher;
import io.perpetua.internal.JournalWriter;
import io.perpetua.internal.ProcessInstance;
import io.perpetua.internal.ProcessSettings;
import io.perpetua.internal.Recovery;
import io.perpetua.internal.Registry;
import io.perpetua.internal.Telemetry;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Perpetua runtime: one store, the processes running on it, and the group-commit writer they
 * share. Thread-safe.
 *
 * <pre>{@code
 * try (Perpetua perpetua = Perpetua.open("memory:")) {
 *     ProcessRef<AccountCommand> account = perpetua.start(ACCOUNTS, "account-42");
 *     Account state = account.call(new Deposit(100));
 * }
 * }</pre>
 *
 * <p>At most one instance of a persistence id runs in a runtime. {@link #ref} gives a reference that
 * starts the process on demand, so that processes can passivate when idle
 * ({@link ProcessType#withPassivateAfter}, {@link Builder#maxLiveProcesses}) and come back on their
 * next message; {@link #start} starts one now and returns a handle to that incarnation.
 *
 * <p>{@link #close()} stops every process after its current message (messages still queued fail with
 * {@link ProcessStoppedException}), waits for persists in flight, and closes the store if the
 * runtime opened it: every acknowledged event is in the store.
 */
public final class Perpetua implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Perpetua.class);

    private final Store store;
    private final boolean ownsStore;
    private final Serializer serializer;
    /** Write objects, not bytes, to a store that accepts them ({@link Builder#keepObjectsInMemory()}). */
    private final boolean keepObjects;
    private final Duration callTimeout;
    private final Consumer<DeadLetter> deadLetters;
    private final EventDispatcher dispatcher;
    private final JournalWriter writer;
    private final ScheduledExecutorService timers;
    private final AskTimeouts askTimeouts;
    private final Registry registry;
    private final OpenTelemetry openTelemetry;
    private final Telemetry telemetry;
    private volatile boolean closed;

    private Perpetua(Builder b, Store store, boolean ownsStore, Serializer serializer) {
        this.store = store;
        this.ownsStore = ownsStore;
        this.serializer = serializer;
        this.keepObjects = b.keepObjectsInMemory && store.acceptsReferences();
        this.callTimeout = b.callTimeout;
        this.deadLetters = b.deadLetters;
        this.openTelemetry = b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get();
        this.telemetry = Telemetry.of(openTelemetry);
        this.registry = new Registry(b.maxLiveProcesses);
        telemetry.observe(registry);
        this.dispatcher = new EventDispatcher(b.subscriberBuffer);
        this.writer = new JournalWriter(store.journal(), b.maxWriteBatch, dispatcher, telemetry);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon(true)
                .name("perpetua-timers").unstarted(r));
        timers.setRemoveOnCancelPolicy(true); // cancelled timers and ask timeouts leave the queue at once
        this.timers = timers;
        this.askTimeouts = new AskTimeouts(timers);
        log.info("Perpetua runtime started on {}{}", store.uri(), serializer == null || keepObjects
                ? " (events kept as objects)" : " (serializer " + serializer.getClass().getSimpleName() + ")");
    }

    /** A runtime on the store named by {@code storeUri}, with defaults. */
    public static Perpetua open(String storeUri) {
        return builder().store(storeUri).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the process {@code persistenceId} of {@code type} and returns once it has recovered;
     * if it is already running, returns it.
     *
     * @throws IllegalArgumentException if the persistence id is invalid
     * @throws IllegalStateException if the id runs with another type, or the runtime is closed
     * @throws RecoveryFailedException if recovery failed (for example on a poison event)
     */
    @SuppressWarnings("unchecked")
    public <M, S, E> ProcessRef<M> start(ProcessType<M, S, E> type, String persistenceId) {
        Objects.requireNonNull(type, "type");
        PersistenceIds.validate(persistenceId);
        return (ProcessRef<M>) activate(type, persistenceId);
    }

    /**
     * A symbolic reference to the process {@code persistenceId} of {@code type}: nothing is started
     * or read now. Each message through it goes to the live process, starting and recovering it first
     * if it is not running (never started, passivated, stopped, or crashed without restart), so it
     * stays valid for the life of the runtime. Concurrent first messages start exactly one process.
     * Messages already queued when a process stops still fail with {@link ProcessStoppedException}.
     * After {@link #close()} its messages fail with {@link ProcessStoppedException}.
     *
     * @throws IllegalArgumentException if the persistence id is invalid
     */
    public <M, S, E> ProcessRef<M> ref(ProcessType<M, S, E> type, String persistenceId) {
        Objects.requireNonNull(type, "type");
        PersistenceIds.validate(persistenceId);
        return new SymbolicRef<>(this, type, persistenceId);
    }

    /** The live, recovered instance of the process, started if needed. */
    ProcessInstance<?, ?, ?> activate(ProcessType<?, ?, ?> type, String persistenceId) {
        checkOpen();
        ProcessInstance<?, ?, ?> instance = registry.activate(persistenceId, id -> newInstance(type, id));
        if (!instance.typeName().equals(type.name())) {
            throw new IllegalStateException("process '" + persistenceId + "' is running as type '"
                    + instance.typeName() + "', not '" + type.name() + "'");
        }
        if (closed) instance.shutdown("the runtime is closed");
        return instance;
    }

    boolean isClosed() {
        return closed;
    }

    java.util.Optional<ProcessInstance<?, ?, ?>> liveInstance(String persistenceId) {
        return registry.get(persistenceId);
    }

    private <M, S, E> ProcessInstance<M, S, E> newInstance(ProcessType<M, S, E> type, String persistenceId) {
        return new ProcessInstance<>(persistenceId, settingsOf(type), type.newBehaviour(), callTimeout,
                registry::remove, type.lifecycle());
    }

    private <M, S, E> ProcessSettings<S, E> settingsOf(ProcessType<M, S, E> type) {
        return new ProcessSettings<>(type.name(), type.snapshotEvery(), type.snapshotRetention(),
                type.deleteEventsOnSnapshot(), type.poisonEventPolicy(), type.recoveryBatchSize(), type.conflictRetries(),
                type::tagsOf, store, serializer, writer, timers, askTimeouts, deadLetters, codecOf(type),
                telemetry.forType(type.name()));
    }

    private <M, S, E> EventCodec<S, E> codecOf(ProcessType<M, S, E> type) {
        CodecOptions<S, E> o = type.codecOptions();
        return new EventCodec<>(serializer, keepObjects, o.adapter(), o.toStored(), o.fromStored());
    }

    /**
     * The current events that one stored event of {@code type} stands for: the payload restored by
     * this runtime's serializer and passed through the type's {@link EventAdapter} (upcast, split or
     * dropped), exactly as recovery reads it. The result may be empty (the adapter dropped the event)
     * or hold several events; each belongs at the stored event's sequence number. This is the entry
     * point for readers of the journal (queries, subscriptions, projections, tools).
     *
     * @throws RuntimeException naming the manifest and the reason if the event cannot be read (for
     *     example an unknown manifest); recovery would treat it as a poison event
     */
    public <E> List<E> decode(ProcessType<?, ?, E> type, StoredEvent stored) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(stored, "stored");
        return codecOf(type).decode(stored);
    }

    /**
     * One stored event restored by this runtime's serializer alone, with no process type's adapter:
     * for readers that do not know which type wrote an event (all events, events by tag). Old shapes
     * that need an adapter fail here; use {@link #decode(ProcessType, StoredEvent)} for them.
     *
     * @throws RuntimeException naming the manifest and the reason if the event cannot be restored
     */
    public Object decode(StoredEvent stored) {
        Objects.requireNonNull(stored, "stored");
        List<Object> events = EventCodec.plain(serializer).decode(stored);
        return events.getFirst();
    }

    /**
     * The serializer this runtime reads (and, unless it keeps objects in memory, writes) events and
     * snapshots with, if any.
     */
    public Optional<Serializer> serializer() {
        return Optional.ofNullable(serializer);
    }

    /**
     * Rebuilds the state of {@code persistenceId} from the store (newest readable snapshot, then
     * the events after it) without starting the process, and returns it with its sequence number.
     * A running process has the same state once its persists have returned.
     *
     * @throws RecoveryFailedException as {@link #start} would
     */
    public <S> RecoveredState<S> readState(ProcessType<?, S, ?> type, String persistenceId) {
        Objects.requireNonNull(type, "type");
        PersistenceIds.validate(persistenceId);
        checkOpen();
        Recovery.Recovered<S> r = recoverWith(type, persistenceId);
        return new RecoveredState<>(r.state(), r.sequenceNr());
    }

    private <M, S, E> Recovery.Recovered<S> recoverWith(ProcessType<M, S, E> type, String persistenceId) {
        try {
            PersistentProcess<M, S, E> behaviour = type.newBehaviour();
            if (behaviour instanceof DurableStateBehaviour<?, ?> durable) {
                @SuppressWarnings("unchecked")
                DurableStateBehaviour<?, S> d = (DurableStateBehaviour<?, S>) durable;
                return d.load(persistenceId, settingsOf(type));
            }
            return new Recovery<>(persistenceId, settingsOf(type), behaviour).run();
        } catch (RuntimeException e) {
            throw Recovery.asRecoveryFailure(persistenceId, e);
        }
    }

    /** Subscribes {@code listener} to every event persisted through this runtime from now on. */
    public Subscription subscribe(EventListener listener) {
        checkOpen();
        return dispatcher.subscribe(Objects.requireNonNull(listener, "listener"));
    }

    /** The store this runtime writes to; for reads and tools. */
    public Store store() {
        return store;
    }

    /**
     * The OpenTelemetry this runtime reports its metrics and spans to ({@link Builder#openTelemetry});
     * {@code EventQueries.of(perpetua)} reports subscription lag to it too.
     */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** Number of processes running now. */
    public int liveProcesses() {
        return registry.size();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("this Perpetua runtime on " + store.uri() + " is closed");
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        List<ProcessInstance<?, ?, ?>> running = new ArrayList<>(registry.instances());
        for (ProcessInstance<?, ?, ?> p : running) p.shutdown("the runtime is closed");
        for (ProcessInstance<?, ?, ?> p : running) {
            if (!p.awaitTermination(Duration.ofSeconds(30))) {
                log.warn("process '{}' did not stop within 30 s of close; its handler is still running", p.persistenceId());
            }
        }
        writer.close();
        telemetry.close();
        dispatcher.close();
        timers.shutdownNow();
        if (ownsStore) store.close();
        log.info("Perpetua runtime on {} closed", store.uri());
    }

    /** Configures a {@link Perpetua} runtime. Validated by {@link #build()}. */
    public static final class Builder {
        private String storeUri;
        private Store store;
        private Serializer serializer;
        private boolean serializerSet;
        private boolean keepObjectsInMemory;
        private Duration callTimeout = Duration.ofSeconds(30);
        private int maxWriteBatch = 4096;
        private int subscriberBuffer = 65_536;
        private Consumer<DeadLetter> deadLetters = d -> {};
        private int maxLiveProcesses;
        private OpenTelemetry openTelemetry;

        private Builder() {}

        /** The store to open; the runtime closes it on {@link Perpetua#close()}. */
        public Builder store(String uri) {
            this.storeUri = Objects.requireNonNull(uri, "uri");
            this.store = null;
            return this;
        }

        /** An already open store; the runtime does not close it. */
        public Builder store(Store store) {
            this.store = Objects.requireNonNull(store, "store");
            this.storeUri = null;
            return this;
        }

        /**
         * The serializer for events and snapshots. By default the first {@link Serializer} found by
         * {@link ServiceLoader} (perpetua-jackson registers one); without one, only a store that keeps
         * objects (memory) can be used. Every store, the memory store included, then gets serialized
         * bytes, so a serialization mistake shows in tests on the memory store. {@code null} keeps
         * objects in a memory store even when a serializer is available.
         */
        public Builder serializer(Serializer serializer) {
            this.serializer = serializer;
            this.serializerSet = true;
            return this;
        }

        /**
         * Writes events and snapshots as objects when the store accepts them (the memory store), even
         * when a serializer is available: faster, but a type that cannot be serialized is then not
         * noticed. Serialized data already in the store is still read with the serializer. A store
         * that needs bytes still gets them.
         */
        public Builder keepObjectsInMemory() {
            this.keepObjectsInMemory = true;
            return this;
        }

        /** How long {@link ProcessRef#call(Object)} waits for a reply (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("call timeout must be positive, was " + timeout);
            }
            this.callTimeout = timeout;
            return this;
        }

        /** The most atomic writes the group-commit writer hands to the store in one call (default 4,096). */
        public Builder maxWriteBatch(int n) {
            if (n < 1) throw new IllegalArgumentException("maxWriteBatch must be >= 1, was " + n);
            this.maxWriteBatch = n;
            return this;
        }

        /** How many events a transient subscriber may fall behind before it is closed (default 65,536). */
        public Builder subscriberBuffer(int n) {
            if (n < 1) throw new IllegalArgumentException("subscriberBuffer must be >= 1, was " + n);
            this.subscriberBuffer = n;
            return this;
        }

        /**
         * Caps the number of live processes: when an activation takes the count above {@code max}, the
         * least recently active processes are passivated (their next message through a
         * {@link Perpetua#ref} revives them). The cap is soft: the count may exceed it until they
         * have passivated. 0 (default): no cap.
         */
        public Builder maxLiveProcesses(int max) {
            if (max < 0) throw new IllegalArgumentException("maxLiveProcesses must be >= 0, was " + max);
            this.maxLiveProcesses = max;
            return this;
        }

        /**
         * Receives dead letters (poison events skipped by policy, messages that crashed their process on
         * every attempt); they are also logged.
         */
        public Builder deadLetters(Consumer<DeadLetter> sink) {
            this.deadLetters = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Where the runtime reports its metrics and spans (listed in {@code docs/observability.md}). By
         * default {@link GlobalOpenTelemetry#get()}, read when {@link #build()} runs: a no-op unless an
         * SDK was installed as the global one before (note that {@code get()} then fixes the global to
         * the no-op). Without an SDK the instrumentation costs a branch per persist and per message.
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /**
         * Opens the store (if given by URI) and starts the runtime.
         *
         * @throws IllegalArgumentException if no store was given or its URI is unknown
         * @throws IllegalStateException if the store needs a serializer and none is available
         */
        public Perpetua build() {
            if (store == null && storeUri == null) {
                throw new IllegalArgumentException("no store: call store(\"memory:\") or store(\"rocksdb:./data\")");
            }
            Serializer chosen = serializerSet ? serializer : discoverSerializer();
            Store s = store != null ? store : Stores.open(storeUri);
            if (chosen == null && !s.acceptsReferences()) {
                if (store == null) s.close();
                throw new IllegalStateException("store " + s.uri() + " stores bytes and needs a serializer: add "
                        + "perpetua-jackson to the class path or pass one to Perpetua.builder().serializer(...)");
            }
            return new Perpetua(this, s, store == null, chosen);
        }

        private static Serializer discoverSerializer() {
            Iterator<Serializer> it = ServiceLoader.load(Serializer.class, Perpetua.class.getClassLoader()).iterator();
            return it.hasNext() ? it.next() : null;
        }
    }
}
