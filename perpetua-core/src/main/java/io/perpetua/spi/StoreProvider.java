package io.perpetua.spi;

/**
 * Opens stores of one kind from URIs such as {@code memory:}, {@code rocksdb:./data} or
 * {@code postgresql://host/db}. Found by {@link java.util.ServiceLoader}; the runtime picks the
 * provider whose {@link #scheme()} matches the part of the URI before the first colon.
 */
public interface StoreProvider {

    /** The URI scheme this provider opens, lower case, without the colon. */
    String scheme();

    /**
     * Opens the store named by {@code uri}.
     *
     * @throws IllegalArgumentException if the URI is malformed for this scheme, saying what is wrong
     * @throws StoreException if the store cannot be opened
     */
    Store open(String uri);
}
