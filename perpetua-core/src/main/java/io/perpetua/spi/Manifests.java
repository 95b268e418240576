package io.perpetua.spi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mapping between Java types and manifests (the type names stored beside serialized bytes), with
 * a schema version per type. Immutable and thread-safe; built once with {@link #builder()} and shared
 * by a serializer.
 *
 * <p><b>The default manifest</b> of a type without an explicit one is its binary class name
 * ({@link Class#getName()}, such as {@code com.acme.bank.AccountEvent$Deposited}). It needs no
 * configuration and can always be resolved back to the class, also in a fresh JVM that has not yet
 * seen the type. A name without the package could not be resolved without a list of every stored
 * type, and a forgotten entry would surface only at the first recovery in production. The price is
 * that renaming or moving a class changes its default manifest; to keep old data readable, either
 * give the type a stable name before it is first stored, or add the old name as an {@link
 * Builder#alias alias} when renaming.
 *
 * <p><b>Stable names.</b> {@link Builder#manifest(String, Class)} names one type explicitly
 * ({@code "account.deposited"}); {@link Builder#shortNames(String, Class)} names a whole sealed
 * hierarchy at once by the simple names of its types qualified by their enclosing types, not the
 * package ({@code AccountEvent.Deposited}), so the types can move between packages freely. Two types
 * may never share a manifest: the builder throws, naming both.
 *
 * <p>Resolving a default manifest loads the class it names, so the bytes a runtime reads must come
 * from a store it trusts, like any serialized data.
 *
 * <p><b>Schema versions</b> start at 1. Raise a type's version with
 * {@link Builder#schemaVersion(Class, int)} when its shape changes, and register an event adapter that
 * upcasts the older versions.
 */
public final class Manifests {

    private static final Manifests DEFAULTS = new Manifests(Map.of(), Map.of(), Map.of());

    private final Map<Class<?>, String> names;
    private final Map<String, Class<?>> types;
    private final Map<Class<?>, Integer> versions;
    /** Classes found by their binary name, so that each is looked up once. */
    private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();

    private Manifests(Map<Class<?>, String> names, Map<String, Class<?>> types, Map<Class<?>, Integer> versions) {
        this.names = Map.copyOf(names);
        this.types = Map.copyOf(types);
        this.versions = Map.copyOf(versions);
    }

    /** No explicit names: every type has its default manifest and schema version 1. */
    public static Manifests defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The manifest written for values of {@code type}. */
    public String manifestOf(Class<?> type) {
        Objects.requireNonNull(type, "type");
        String name = names.get(type);
        return name != null ? name : type.getName();
    }

    /** The schema version written for values of {@code type}, at least 1. */
    public int schemaVersionOf(Class<?> type) {
        Objects.requireNonNull(type, "type");
        return versions.getOrDefault(type, 1);
    }

    /**
     * The type stored under {@code manifest}: an explicit name or alias, else the class whose binary
     * name it is (loaded without initializing it; also for a type that has an explicit manifest now,
     * so that data stored under its default manifest stays readable), else empty.
     */
    public Optional<Class<?>> typeOf(String manifest) {
        Objects.requireNonNull(manifest, "manifest");
        Class<?> type = types.get(manifest);
        if (type == null) type = loaded.get(manifest);
        if (type != null) return Optional.of(type);
        if (manifest.isBlank() || manifest.indexOf('.') < 0 && manifest.indexOf('$') < 0) return Optional.empty();
        for (ClassLoader loader : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                Manifests.class.getClassLoader()}) {
            try {
                Class<?> found = Class.forName(manifest, false, loader);
                loaded.put(manifest, found);
                return Optional.of(found);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return Optional.empty();
    }

    /**
     * The type to read {@code payload} as: the type stored under its manifest, provided the payload's
     * schema version is not newer than the type's. Serializers use it so that every one of them
     * refuses unknown and too-new data with the same message.
     *
     * @throws IllegalArgumentException naming the manifest (and both versions) if there is no such type
     *     or the payload is newer than this code
     */
    public Class<?> typeForReading(Payload.Serialized payload) {
        Objects.requireNonNull(payload, "payload");
        Class<?> type = typeOf(payload.manifest()).orElseThrow(() -> new IllegalArgumentException(
                "unknown manifest '" + payload.manifest() + "' (schema version " + payload.schemaVersion()
                        + "): no type is registered under this name and no class has it; register the type or an "
                        + "alias in Manifests, or read the event with an event adapter"));
        int current = schemaVersionOf(type);
        if (payload.schemaVersion() > current) {
            throw new IllegalArgumentException("manifest '" + payload.manifest() + "' was written with schema version "
                    + payload.schemaVersion() + ", newer than version " + current + " of " + type.getName()
                    + " that this code knows");
        }
        return type;
    }

    /** Builds {@link Manifests}; each method validates its arguments. Not thread-safe. */
    public static final class Builder {
        private final Map<Class<?>, String> names = new HashMap<>();
        private final Map<String, Class<?>> types = new HashMap<>();
        private final Map<Class<?>, Integer> versions = new HashMap<>();

        private Builder() {}

        /**
         * Stores values of {@code type} under {@code manifest} and reads {@code manifest} as {@code type}.
         *
         * @throws IllegalArgumentException if the manifest is blank, is already taken by another type,
         *     or {@code type} already has another manifest
         */
        public Builder manifest(String manifest, Class<?> type) {
            checkManifest(manifest);
            Objects.requireNonNull(type, "type");
            String existing = names.get(type);
            if (existing != null && !existing.equals(manifest)) {
                throw new IllegalArgumentException("type " + type.getName() + " already has manifest '" + existing
                        + "'; it cannot also be written as '" + manifest + "' (use alias(...) for names it is read by)");
            }
            claim(manifest, type);
            names.put(type, manifest);
            return this;
        }

        /**
         * Also reads {@code oldManifest} as {@code type}: data written under a name the type no longer
         * has (a class renamed or moved, an earlier explicit name) stays readable.
         *
         * @throws IllegalArgumentException if the manifest is blank or already taken by another type
         */
        public Builder alias(String oldManifest, Class<?> type) {
            checkManifest(oldManifest);
            Objects.requireNonNull(type, "type");
            claim(oldManifest, type);
            return this;
        }

        /**
         * Names {@code root} and every type of its sealed hierarchy (the permitted subtypes, and
         * theirs, recursively) by {@code prefix} plus its simple name qualified by its enclosing types:
         * with prefix {@code "bank."}, {@code com.acme.AccountEvent.Deposited} is stored as
         * {@code bank.AccountEvent.Deposited}. The prefix may be empty.
         *
         * @throws IllegalArgumentException if two types would share a manifest, naming both
         */
        public Builder shortNames(String prefix, Class<?> root) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(root, "root");
            Deque<Class<?>> todo = new ArrayDeque<>();
            todo.add(root);
            while (!todo.isEmpty()) {
                Class<?> type = todo.poll();
                if (!names.containsKey(type)) manifest(prefix + shortName(type), type);
                if (type.isSealed()) {
                    for (Class<?> sub : type.getPermittedSubclasses()) todo.add(sub);
                }
            }
            return this;
        }

        /**
         * Writes values of {@code type} with schema version {@code version} (default 1).
         *
         * @throws IllegalArgumentException if {@code version < 1}
         */
        public Builder schemaVersion(Class<?> type, int version) {
            Objects.requireNonNull(type, "type");
            if (version < 1) throw new IllegalArgumentException("schema version of " + type.getName()
                    + " must be >= 1, was " + version);
            versions.put(type, version);
            return this;
        }

        public Manifests build() {
            return new Manifests(names, types, versions);
        }

        private void claim(String manifest, Class<?> type) {
            Class<?> owner = types.get(manifest);
            if (owner != null && owner != type) {
                throw new IllegalArgumentException("manifest '" + manifest + "' is taken by " + owner.getName()
                        + " and cannot also name " + type.getName());
            }
            types.put(manifest, type);
        }

        private static void checkManifest(String manifest) {
            if (manifest == null || manifest.isBlank()) throw new IllegalArgumentException("a manifest must not be blank");
        }

        private static String shortName(Class<?> type) {
            StringBuilder name = new StringBuilder(type.getSimpleName());
            if (name.isEmpty()) {
                throw new IllegalArgumentException(type.getName() + " is anonymous or local and cannot have a short name");
            }
            for (Class<?> outer = type.getEnclosingClass(); outer != null; outer = outer.getEnclosingClass()) {
                name.insert(0, outer.getSimpleName() + ".");
            }
            return name.toString();
        }
    }
}
