package io.perpetua.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * The body of an event or snapshot as a store sees it: serialized bytes with their manifest and
 * schema version, or (only for stores that keep objects in memory) the object itself.
 */
public sealed interface Payload {

    /**
     * Serialized bytes.
     *
     * @param manifest stable type name of the serialized value, non-blank
     * @param schemaVersion version of the value's schema, at least 1
     * @param bytes the serialized form; stores keep it unchanged and never share the array they return
     */
    record Serialized(String manifest, int schemaVersion, byte[] bytes) implements Payload {
        public Serialized {
            Objects.requireNonNull(manifest, "manifest");
            Objects.requireNonNull(bytes, "bytes");
            if (manifest.isBlank()) throw new IllegalArgumentException("manifest must not be blank");
            if (schemaVersion < 1) {
                throw new IllegalArgumentException("schemaVersion must be >= 1, was " + schemaVersion);
            }
        }

        @Override
        public int size() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Serialized s
                    && manifest.equals(s.manifest)
                    && schemaVersion == s.schemaVersion
                    && Arrays.equals(bytes, s.bytes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(manifest, schemaVersion, Arrays.hashCode(bytes));
        }

        @Override
        public String toString() {
            return "Serialized[" + manifest + " v" + schemaVersion + ", " + bytes.length + " bytes]";
        }
    }

    /**
     * An object kept by reference. Only stores whose {@link Store#acceptsReferences()} is true accept
     * it; every other store rejects the write.
     *
     * @param value the event or state object, never null
     */
    record Reference(Object value) implements Payload {
        public Reference {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public int size() {
            return 0;
        }
    }

    /** The size in bytes that counts against a store's size limit (0 for a reference). */
    int size();
}
