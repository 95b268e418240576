package io.perpetua;

import io.perpetua.internal.ProcessInstance;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Objects;

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
        while (true) {
            ProcessInstance<?, ?, ?> p = activate();
            Object result = p.tryCall(request, timeout == null ? p.callTimeout() : timeout);
            if (result != ProcessInstance.NOT_ACCEPTED) return (R) result;
            p.awaitTermination(Duration.ofDays(1)); // it is passivating or stopping: the next one takes the call
        }
    }

    @Override
    public <R> CompletionStage<R> ask(M request) {
        return ask(request, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <R> CompletionStage<R> ask(M request, Duration timeout) {
        Objects.requireNonNull(request, "request");
        while (true) {
            ProcessInstance<?, ?, ?> p = activate();
            CompletableFuture<Object> reply = p.tryAsk(request, timeout == null ? p.callTimeout() : timeout);
            if (reply != null) return (CompletionStage<R>) reply;
            p.awaitTermination(Duration.ofDays(1)); // it is passivating or stopping: the next one takes the call
        }
    }

    @Override
    public void cast(M message) {
        Objects.requireNonNull(message, "message");
        while (true) {
            ProcessInstance<?, ?, ?> p = activate();
            if (p.tryCast(message)) return;
            p.awaitTermination(Duration.ofDays(1));
        }
    }

    @Override
    public void send(Object info) {
        Objects.requireNonNull(info, "info");
        while (true) {
            ProcessInstance<?, ?, ?> p = activate();
            if (p.trySend(info)) return;
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
