package io.perpetua.testkit;

import io.perpetua.Perpetua;
import io.perpetua.ProcessRef;
import io.perpetua.ProcessType;
import io.perpetua.Stores;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.ExpectedSequence;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import io.perpetua.spi.StoredEvent;
import io.perpetua.spi.WriteResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tests one process behaviour on a real runtime over a private memory store: given events, when a
 * command, then the events persisted, the reply, the state or the rejection; and a restart that
 * recovers from the journal.
 *
 * <pre>{@code
 * try (var fixture = ProcessFixture.of(Bank.ACCOUNTS)) {
 *     fixture.given(new Deposited(100))
 *            .when(new Withdraw(30))
 *            .expectEvents(new Withdrawn(30))
 *            .expectState(new Account(70));
 * }
 * }</pre>
 *
 * <p>Every event and snapshot goes through a serializer, as on a durable store, so that a type that
 * cannot be stored fails the test: the one set with {@link #withSerializer}, else the one found on
 * the class path (perpetua-jackson); with neither, events are kept as objects. Events read back pass
 * through the type's event adapter, as in recovery. Not thread-safe: one fixture per test.
 *
 * @param <M> the commands
 * @param <S> the state
 * @param <E> the events
 */
public final class ProcessFixture<M, S, E> implements AutoCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final ProcessType<M, S, E> type;
    private final String persistenceId;
    private final Serializer serializer;
    private final Store store;
    private Perpetua runtime;
    private ProcessRef<M> ref;

    private ProcessFixture(ProcessType<M, S, E> type, String persistenceId, Serializer serializer) {
        this.type = type;
        this.persistenceId = persistenceId;
        this.serializer = serializer;
        this.store = Stores.open("memory:");
        this.runtime = newRuntime();
    }

    private Perpetua newRuntime() {
        Perpetua.Builder builder = Perpetua.builder().store(store);
        if (serializer != null) builder.serializer(serializer);
        return builder.build();
    }

    /** A fixture for one process of {@code type} with a generated persistence id. */
    public static <M, S, E> ProcessFixture<M, S, E> of(ProcessType<M, S, E> type) {
        return new ProcessFixture<>(Objects.requireNonNull(type, "type"),
                type.name() + "-fixture-" + IDS.incrementAndGet(), null);
    }

    /** The same fixture with events and snapshots going through {@code serializer}. Call before anything else. */
    public ProcessFixture<M, S, E> withSerializer(Serializer serializer) {
        close();
        return new ProcessFixture<>(type, persistenceId, Objects.requireNonNull(serializer, "serializer"));
    }

    /** The persistence id under test. */
    public String persistenceId() {
        return persistenceId;
    }

    /** The store behind the fixture, to check the journal and snapshots directly. */
    public Store store() {
        return store;
    }

    /**
     * Appends {@code events} to the journal as if the process had persisted them earlier. Call before
     * the first {@link #when}.
     */
    @SafeVarargs
    public final ProcessFixture<M, S, E> given(E... events) {
        if (ref != null) throw new IllegalStateException("given(...) must come before the first when(...)");
        List<EventData> data = new ArrayList<>();
        Instant now = Instant.now();
        Serializer used = runtime.serializer().orElse(null);
        for (E e : events) {
            Objects.requireNonNull(e, "given event");
            Payload payload = used == null ? new Payload.Reference(e) : used.serialize(e);
            data.add(new EventData(payload, Set.of(), now));
        }
        if (data.isEmpty()) return this;
        WriteResult r = store.journal().append(List.of(new AtomicWrite(persistenceId, ExpectedSequence.any(), data)))
                .getFirst();
        if (!(r instanceof WriteResult.Written)) throw new IllegalStateException("could not write given events: " + r);
        return this;
    }

    /** Sends {@code command} as a call and records what happened. */
    public Outcome when(M command) {
        ProcessRef<M> process = process();
        long before = store.journal().highestSequenceNr(persistenceId);
        Object reply = null;
        RuntimeException rejection = null;
        try {
            reply = process.call(command);
        } catch (RuntimeException e) {
            rejection = e;
        }
        List<E> events = eventsAfter(before);
        return new Outcome(command, events, reply, rejection);
    }

    /** The state rebuilt from the journal now. */
    public S state() {
        return runtime.readState(type, persistenceId).state();
    }

    /** Every event of the process in the journal, in order. */
    public List<E> events() {
        return eventsAfter(0);
    }

    /**
     * Closes the runtime and opens a new one on the same store, so the next {@link #when} recovers the
     * process from its snapshot and journal.
     */
    public ProcessFixture<M, S, E> restart() {
        runtime.close();
        runtime = newRuntime();
        ref = null;
        process();
        return this;
    }

    private ProcessRef<M> process() {
        if (ref == null || !ref.isAlive()) ref = runtime.start(type, persistenceId);
        return ref;
    }

    private List<E> eventsAfter(long seq) {
        List<E> out = new ArrayList<>();
        long from = seq + 1;
        while (true) {
            List<StoredEvent> batch = store.journal().read(persistenceId, from, Long.MAX_VALUE, 1000);
            for (StoredEvent e : batch) out.addAll(runtime.decode(type, e));
            if (batch.size() < 1000) return out;
            from = batch.getLast().sequenceNr() + 1;
        }
    }

    @Override
    public void close() {
        runtime.close();
        store.close();
    }

    /** What one command did. Each {@code expect...} method throws {@link AssertionError} with the difference. */
    public final class Outcome {
        private final M command;
        private final List<E> events;
        private final Object reply;
        private final RuntimeException rejection;

        Outcome(M command, List<E> events, Object reply, RuntimeException rejection) {
            this.command = command;
            this.events = List.copyOf(events);
            this.reply = reply;
            this.rejection = rejection;
        }

        /** The events this command persisted, in order. */
        public List<E> events() {
            return events;
        }

        /** The reply, if the command was not rejected. */
        public Object reply() {
            if (rejection != null) throw new AssertionError("command " + command + " was rejected: " + rejection, rejection);
            return reply;
        }

        /** The exception the command failed with, if any. */
        public Optional<RuntimeException> rejection() {
            return Optional.ofNullable(rejection);
        }

        /** The state after the command. */
        public S state() {
            return ProcessFixture.this.state();
        }

        @SafeVarargs
        public final Outcome expectEvents(E... expected) {
            if (!events.equals(Arrays.asList(expected))) {
                throw new AssertionError("command " + command + " persisted " + events + " but expected "
                        + Arrays.asList(expected) + (rejection == null ? "" : " (it was rejected: " + rejection + ")"));
            }
            return this;
        }

        public Outcome expectNoEvents() {
            return expectEvents();
        }

        public Outcome expectReply(Object expected) {
            if (!Objects.equals(reply(), expected)) {
                throw new AssertionError("command " + command + " replied " + reply + " but expected " + expected);
            }
            return this;
        }

        public Outcome expectState(S expected) {
            S actual = state();
            if (!Objects.equals(actual, expected)) {
                throw new AssertionError("after " + command + " the state is " + actual + " but expected " + expected);
            }
            return this;
        }

        /** Expects the command to have failed with {@code type} (or a subtype) and persisted nothing. */
        public Outcome expectRejection(Class<? extends Throwable> type) {
            if (rejection == null) {
                throw new AssertionError("command " + command + " was accepted (persisted " + events + ") but expected a "
                        + type.getSimpleName());
            }
            if (!type.isInstance(rejection)) {
                throw new AssertionError("command " + command + " failed with " + rejection + " but expected a "
                        + type.getSimpleName(), rejection);
            }
            if (!events.isEmpty()) {
                throw new AssertionError("command " + command + " was rejected but persisted " + events);
            }
            return this;
        }
    }
}
