package io.perpetua;

import io.perpetua.internal.EventDispatcher;
import io.perpetua.internal.JournalWriter;
import io.perpetua.internal.ProcessInstance;
import io.perpetua.internal.ProcessSettings;
import io.perpetua.internal.Recovery;
import io.perpetua.spi.PersistenceIds;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * <p>At most one instance of a persistence id runs in a runtime. {@link #close()} stops every
 * process after its current message (messages still queued fail with
 * {@link ProcessStoppedException}), waits for persists in flight, and closes the store if the
 * runtime opened it: every acknowledged event is in the store.
 */
public final class Perpetua implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Perpetua.class);

    private final Store store;
    private final boolean ownsStore;
    private final Serializer serializer;
    private final Duration callTimeout;
    private final Consumer<DeadLetter> deadLetters;
    private final EventDispatcher dispatcher;
    private final JournalWriter writer;
    private final ScheduledExecutorService timers;
    private final ConcurrentHashMap<String, ProcessInstance<?, ?, ?>> live = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Perpetua(Builder b, Store store, boolean ownsStore, Serializer serializer) {
        this.store = store;
        this.ownsStore = ownsStore;
        this.serializer = serializer;
        this.callTimeout = b.callTimeout;
        this.deadLetters = b.deadLetters;
        this.dispatcher = new EventDispatcher(b.subscriberBuffer);
        this.writer = new JournalWriter(store.journal(), b.maxWriteBatch, dispatcher);
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("perpetua-timers").unstarted(r));
        log.info("Perpetua runtime started on {}{}", store.uri(), serializer == null ? " (events kept as objects)"
                : " (serializer " + serializer.getClass().getSimpleName() + ")");
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
        while (true) {
            checkOpen();
            boolean[] created = {false};
            ProcessInstance<?, ?, ?> instance = live.compute(persistenceId, (id, old) -> {
                if (old != null && old.isAlive()) return old;
                created[0] = true;
                return newInstance(type, id);
            });
            if (!instance.typeName().equals(type.name())) {
                throw new IllegalStateException("process '" + persistenceId + "' is running as type '"
                        + instance.typeName() + "', not '" + type.name() + "'");
            }
            if (created[0]) instance.start();
            try {
                instance.awaitRecovered();
            } catch (ProcessStoppedException e) {
                continue; // it stopped between lookup and use: start it again
            }
            if (closed) instance.shutdown("the runtime is closed");
            return (ProcessRef<M>) instance;
        }
    }

    private <M, S, E> ProcessInstance<M, S, E> newInstance(ProcessType<M, S, E> type, String persistenceId) {
        return new ProcessInstance<>(persistenceId, settingsOf(type), type.newBehaviour(), callTimeout,
                p -> live.remove(p.persistenceId(), p));
    }

    private <M, S, E> ProcessSettings<S, E> settingsOf(ProcessType<M, S, E> type) {
        return new ProcessSettings<>(type.name(), type.snapshotEvery(), type.snapshotRetention(),
                type.deleteEventsOnSnapshot(), type.poisonEventPolicy(), type.recoveryBatchSize(), type.conflictRetries(),
                type::tagsOf, store, serializer, writer, timers, deadLetters);
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
            return new Recovery<>(persistenceId, settingsOf(type), type.newBehaviour()).run();
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

    /** Number of processes running now. */
    public int liveProcesses() {
        return live.size();
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
        List<ProcessInstance<?, ?, ?>> running = new ArrayList<>(live.values());
        for (ProcessInstance<?, ?, ?> p : running) p.shutdown("the runtime is closed");
        for (ProcessInstance<?, ?, ?> p : running) {
            if (!p.awaitTermination(Duration.ofSeconds(30))) {
                log.warn("process '{}' did not stop within 30 s of close; its handler is still running", p.persistenceId());
            }
        }
        writer.close();
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
        private Duration callTimeout = Duration.ofSeconds(30);
        private int maxWriteBatch = 4096;
        private int subscriberBuffer = 65_536;
        private Consumer<DeadLetter> deadLetters = d -> {};

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
         * {@link ServiceLoader}; without one, only a store that keeps objects (memory) can be used.
         * {@code null} keeps objects in a memory store even when a serializer is available.
         */
        public Builder serializer(Serializer serializer) {
            this.serializer = serializer;
            this.serializerSet = true;
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

        /** Receives dead letters (poison events skipped by policy); they are also logged. */
        public Builder deadLetters(Consumer<DeadLetter> sink) {
            this.deadLetters = Objects.requireNonNull(sink, "sink");
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
