package io.perpetua.internal;

import io.perpetua.ProcessStoppedException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live processes of a runtime, at most one per persistence id, and the activation of processes
 * on demand.
 *
 * <p>{@link #activate} returns the live instance of an id or creates, starts and recovers one; the
 * creation happens inside {@link ConcurrentHashMap#compute}, so concurrent first messages to one id
 * give exactly one instance. An instance that has stopped accepting messages (it is stopping or
 * passivating) is replaced only once it has left the map, so two instances of one id never run at
 * once. With a cap on live processes, each activation that takes the count above the cap starts an
 * eviction pass on its own virtual thread, which asks the least recently active processes to
 * passivate; the cap is soft: the count may exceed it until they have done so.
 */
public final class Registry {

    private static final Logger log = LoggerFactory.getLogger(Registry.class);

    private final ConcurrentHashMap<String, ProcessInstance<?, ?, ?>> live = new ConcurrentHashMap<>();
    private final int maxLive;
    private final AtomicBoolean evicting = new AtomicBoolean();

    /** @param maxLive the most live processes before the least recently used passivate; 0: no cap */
    public Registry(int maxLive) {
        this.maxLive = maxLive;
    }

    /**
     * The live, recovered instance of {@code persistenceId}, made by {@code factory} and started if
     * there is none.
     *
     * @throws io.perpetua.RecoveryFailedException if a new instance failed to recover
     */
    public ProcessInstance<?, ?, ?> activate(String persistenceId,
            Function<String, ProcessInstance<?, ?, ?>> factory) {
        while (true) {
            boolean[] created = {false};
            ProcessInstance<?, ?, ?> instance = live.compute(persistenceId, (id, old) -> {
                if (old != null && !old.isTerminated()) return old;
                created[0] = true;
                return factory.apply(id);
            });
            if (created[0]) {
                instance.start();
                if (maxLive > 0 && live.size() > maxLive) evictLeastRecentlyUsed();
            }
            try {
                instance.awaitRecovered();
            } catch (ProcessStoppedException e) {
                continue; // it stopped between lookup and use: start it again
            }
            return instance;
        }
    }

    /** Removes {@code instance} if it is the one registered for its id; called when it terminates. */
    public void remove(ProcessInstance<?, ?, ?> instance) {
        live.remove(instance.persistenceId(), instance);
    }

    /** The live instance of {@code persistenceId}, if any. */
    public java.util.Optional<ProcessInstance<?, ?, ?>> get(String persistenceId) {
        return java.util.Optional.ofNullable(live.get(persistenceId));
    }

    public int size() {
        return live.size();
    }

    /** Calls {@code action} with each live instance, without copying them (weakly consistent). */
    public void forEachLive(java.util.function.Consumer<ProcessInstance<?, ?, ?>> action) {
        live.values().forEach(action);
    }

    /** A snapshot of the live instances. */
    public Collection<ProcessInstance<?, ?, ?>> instances() {
        return new ArrayList<>(live.values());
    }

    private void evictLeastRecentlyUsed() {
        if (!evicting.compareAndSet(false, true)) return;
        Thread.ofVirtual().name("perpetua-evictor").start(() -> {
            try {
                int excess = live.size() - maxLive;
                if (excess <= 0) return;
                List<ProcessInstance<?, ?, ?>> all = new ArrayList<>(live.values());
                all.sort(Comparator.comparingLong(ProcessInstance::lastActivity));
                int n = Math.min(excess, all.size());
                for (int i = 0; i < n; i++) all.get(i).requestPassivation();
                log.debug("asked {} least recently used processes to passivate ({} live, cap {})", n, all.size(), maxLive);
            } finally {
                evicting.set(false);
            }
        });
    }
}
