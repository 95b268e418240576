package io.perpetua;

import io.perpetua.internal.ProcessInstance;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Objects;
import java.util.function.Function;

/**
 * A reference by (type, persistence id) that activates the process on demand; see
 * {@link Perpetua#ref}. Holds no process: a passivated process costs its references nothing.
 */
final class SymbolicRef<M> implements ProcessRef<M> {

    private final Perpetua runtime;
    private final ProcessType<M, ?, ?> type;
    private final String persistenceId;

    SymbolicRef(Perpetua runtime, ProcessType<M, ?, ?> type, String persistenceId) {
        this.runtime = runtime;
        this.type = type;
        this.persistenceId = persistenceId;
    }

    @Override
    public String persistenceId() {
        return persistenceId;
    }

    @Override
    public <R> R call(M request) {
        return call(request, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> R call(M request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        return (R) deliver(p -> p.tryCall(request, timeout == null ? p.callTimeout() : timeout));
    }

    @Override
    public <R> CompletionStage<R> ask(M request) {
        return ask(request, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletionStage<R> ask(M request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        return (CompletionStage<R>) deliver(p -> {
            CompletableFuture<Object> reply = p.tryAsk(request, timeout == null ? p.callTimeout() : timeout);
            return reply != null ? reply : ProcessInstance.NOT_ACCEPTED;
        });
    }

    @Override
    public void cast(M message) {
        Objects.requireNonNull(message, "message");
        deliver(p -> p.tryCast(message) ? null : ProcessInstance.NOT_ACCEPTED);
    }

    @Override
    public void send(Object info) {
        Objects.requireNonNull(info, "info");
        deliver(p -> p.trySend(info) ? null : ProcessInstance.NOT_ACCEPTED);
    }

    /**
     * Hands a message to the live incarnation, activating one if none is; {@code attempt} returns
     * {@link ProcessInstance#NOT_ACCEPTED} when that incarnation no longer takes messages (it is
     * passivating or stopping), and the next one gets it once that one has ended.
     */
    private Object deliver(Function<ProcessInstance<?, ?, ?>, Object> attempt) {
        while (true) {
            ProcessInstance<?, ?, ?> p = activate();
            Object result = attempt.apply(p);
            if (result != ProcessInstance.NOT_ACCEPTED) return result;
            p.awaitTermination(Duration.ofDays(1));
        }
    }

    /** Whether the process is live now (a symbolic reference works either way). */
    @Override
    public boolean isAlive() {
        return runtime.liveInstance(persistenceId).map(ProcessInstance::isAlive).orElse(false);
    }

    /** Stops the live process, if any, as {@link ProcessRef#stop()}; its next message starts it again. */
    @Override
    public void stop() {
        runtime.liveInstance(persistenceId).ifPresent(ProcessInstance::stop);
    }

    private ProcessInstance<?, ?, ?> activate() {
        if (runtime.isClosed()) throw new ProcessStoppedException(persistenceId, "the runtime is closed");
        try {
            return runtime.activate(type, persistenceId);
        } catch (IllegalStateException e) {
            if (runtime.isClosed()) throw new ProcessStoppedException(persistenceId, "the runtime is closed");
            throw e;
        }
    }

    @Override
    public String toString() {
        return "ProcessRef[" + type.name() + ":" + persistenceId + "]";
    }
}
