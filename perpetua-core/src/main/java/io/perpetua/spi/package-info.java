/**
 * The storage SPI: what a store implements so that the runtime can persist and recover processes.
 *
 * <p>Three small blocking interfaces, one per concern: {@link io.perpetua.spi.EventJournal},
 * {@link io.perpetua.spi.SnapshotStore} and {@link io.perpetua.spi.CheckpointStore}, grouped by a
 * {@link io.perpetua.spi.Store} that a {@link io.perpetua.spi.StoreProvider} opens from a URI. The
 * runtime calls them from virtual threads, so they block instead of returning futures. Every store
 * proves its conformance by running the suite in {@code perpetua-testkit}.
 *
 * <p>Failure versus rejection: a store <em>rejects</em> a write it refused before writing anything
 * (the write is certainly absent); it <em>fails</em> (throws {@link io.perpetua.spi.StoreException})
 * whenever the outcome is unknown, such as an I/O error, a timeout or a lost connection.
 */
package io.perpetua.spi;
