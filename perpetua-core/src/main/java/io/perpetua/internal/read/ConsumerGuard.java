package io.perpetua.internal.read;

import io.perpetua.query.ConsumerAlreadyActiveException;
import io.perpetua.spi.CheckpointStore;
import io.perpetua.spi.ConsumerLocks;
import io.perpetua.spi.Store;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * One active consumer per name. A store whose checkpoint store implements {@link ConsumerLocks}
 * decides (across every opener of the store); otherwise names are registered per checkpoint store
 * instance in this JVM.
 */
final class ConsumerGuard {

    private static final Map<CheckpointStore, Set<String>> LOCAL = Collections.synchronizedMap(new WeakHashMap<>());

    private ConsumerGuard() {}

    static ConsumerLocks.Lock acquire(Store store, String name) {
        CheckpointStore checkpoints = store.checkpoints();
        Optional<ConsumerLocks.Lock> lock = checkpoints instanceof ConsumerLocks locks
                ? locks.tryLock(name)
                : tryLocal(checkpoints, name);
        return lock.orElseThrow(() -> new ConsumerAlreadyActiveException(name, store.uri()));
    }

    private static Optional<ConsumerLocks.Lock> tryLocal(CheckpointStore checkpoints, String name) {
        Set<String> names;
        synchronized (LOCAL) {
            names = LOCAL.computeIfAbsent(checkpoints, c -> new HashSet<>());
        }
        synchronized (names) {
            if (!names.add(name)) return Optional.empty();
        }
        return Optional.of(new ConsumerLocks.Lock() {
            private boolean released;

            @Override
            public void close() {
                synchronized (names) {
                    if (!released) names.remove(name);
                    released = true;
                }
            }
        });
    }
}
