package io.perpetua;

import io.perpetua.spi.Store;
import io.perpetua.spi.StoreProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Opens stores by URI through the {@link StoreProvider}s on the class or module path:
 * {@code memory:} is built in; {@code rocksdb:PATH} and {@code postgresql://...} come with their
 * modules.
 */
public final class Stores {

    private Stores() {}

    /**
     * Opens the store named by {@code uri}. The caller owns it and closes it.
     *
     * @throws IllegalArgumentException if the URI is empty, has no scheme, or no provider handles its
     *     scheme; the message lists the schemes that are available
     */
    public static Store open(String uri) {
        if (uri == null || uri.isBlank()) throw new IllegalArgumentException("store URI must not be empty");
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("store URI '" + uri + "' has no scheme; expected for example 'memory:' or "
                    + "'rocksdb:./perpetua-data'");
        }
        String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
        List<String> known = new ArrayList<>();
        for (StoreProvider provider : ServiceLoader.load(StoreProvider.class, Stores.class.getClassLoader())) {
            if (provider.scheme().equals(scheme)) return provider.open(uri);
            known.add(provider.scheme() + ":");
        }
        throw new IllegalArgumentException("unknown store URI scheme '" + scheme + ":' in '" + uri
                + "'; available: " + String.join(", ", known.stream().sorted().toList())
                + " (add the module of the store to the class path)");
    }
}
