package io.perpetua.spi;

import java.util.Optional;

/**
 * An optional capability of a {@link CheckpointStore}: exclusive ownership of a consumer name (a
 * durable subscription or projection) among everyone who opens the same store, in this JVM and, for
 * a shared store, on other nodes. A store that implements it makes its checkpoint store an instance
 * of this interface; the read side then uses it instead of its default guard, which only knows the
 * consumers of the same {@link Store} instance in this JVM.
 *
 * <p>The PostgreSQL store implements it with a session-level advisory lock held on a connection of
 * its own for the lifetime of the returned {@link Lock}; the memory store with a map shared by the
 * openers of a named store. Closing the store releases the locks it holds. What is not promised: a
 * holder is not told when a lock is lost with its connection, so a store whose locks can be lost
 * must say so. Safe to call from many threads.
 */
public interface ConsumerLocks {

    /**
     * Takes the lock of {@code name} if nobody holds it, without waiting.
     *
     * @return the lock, held until it is closed; empty if another holder has it
     * @throws IllegalArgumentException if {@code name} is null or blank
     * @throws StoreException if the store cannot tell
     */
    Optional<Lock> tryLock(String name);

    /** A held consumer lock. Closing releases it; closing again does nothing. */
    interface Lock extends AutoCloseable {
        @Override
        void close();
    }
}
