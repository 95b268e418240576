/**
 * Perpetua core: the public API for persistent processes ({@code io.perpetua}), the read side
 * ({@code io.perpetua.query}), the storage SPI ({@code io.perpetua.spi}) and the runtime with its
 * in-memory store (internal, not exported).
 */
module io.perpetua.core {
    requires org.slf4j;
    requires transitive io.opentelemetry.api; // automatic module; Perpetua.Builder takes an OpenTelemetry
    requires io.opentelemetry.context;

    exports io.perpetua;
    exports io.perpetua.spi;
    exports io.perpetua.query;

    uses io.perpetua.spi.StoreProvider;
    uses io.perpetua.spi.Serializer;

    provides io.perpetua.spi.StoreProvider with io.perpetua.internal.memory.MemoryStoreProvider;
}
