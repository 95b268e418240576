package io.perpetua.internal.memory;

import io.perpetua.spi.Store;
import io.perpetua.spi.StoreProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Opens {@code memory:} (a fresh store) and {@code memory:NAME} (a JVM-wide named store). */
public final class MemoryStoreProvider implements StoreProvider {

    private static final Map<String, MemoryData> NAMED = new ConcurrentHashMap<>();

    @Override
    public String scheme() {
        return "memory";
    }

    @Override
    public Store open(String uri) {
        if (!uri.startsWith("memory:")) throw new IllegalArgumentException("not a memory store URI: '" + uri + "'");
        String name = uri.substring("memory:".length());
        if (name.isEmpty()) return MemoryStore.create();
        if (name.isBlank() || name.contains("?") || name.contains("/")) {
            throw new IllegalArgumentException("memory store URI must be 'memory:' or 'memory:NAME' with a plain name, was '"
                    + uri + "'");
        }
        return new MemoryStore(uri, NAMED.computeIfAbsent(name, n -> new MemoryData(MemoryStore.MAX_PAYLOAD_BYTES)));
    }
}
