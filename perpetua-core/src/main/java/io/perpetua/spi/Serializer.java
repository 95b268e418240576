package io.perpetua.spi;

import java.util.List;
import java.util.Objects;

/**
 * Turns events and snapshot states into bytes with a manifest (a stable type name) and a schema
 * version, and back. Implementations are thread-safe.
 *
 * <p>The manifest names the type of the serialized value so that it can be restored later, by later
 * code; {@link Manifests} is the mapping between types and manifests that serializers share. The
 * schema version says which shape of that type the bytes have, so that an event adapter can upcast
 * old shapes. A serializer is found with {@link java.util.ServiceLoader} when none is configured.
 *
 * <p>The methods with a default implementation are optional: they give event adapters and tools a
 * view of stored data whose class may no longer exist. A serializer that does not offer them throws
 * {@link UnsupportedOperationException}.
 */
public interface Serializer {

    /**
     * Serializes {@code value}.
     *
     * @throws RuntimeException naming the value's type and the reason if it cannot be serialized
     */
    Payload.Serialized serialize(Object value);

    /**
     * Restores a value from its serialized form, choosing its type by the manifest.
     *
     * @throws RuntimeException naming the manifest and the reason if it cannot be restored, including
     *     when no type is known for the manifest
     */
    Object deserialize(Payload.Serialized payload);

    /**
     * Restores each of {@code payloads} as {@link #deserialize(Payload.Serialized)} would restore it on
     * its own: for every index {@code i}, either {@code values[i]} is the value and {@code failures[i]}
     * is null, or {@code values[i]} is null and {@code failures[i]} is the exception that
     * {@code deserialize} throws for {@code payloads.get(i)} (same class and message). A payload that
     * cannot be restored does not change the outcome for any other. Entries of the arrays past
     * {@code payloads.size()} are left as they are. This method exists for speed when many payloads are
     * read at once (a replay): an implementation may share work between the payloads of one call, such
     * as a parser or buffers, but never a result; the default calls {@code deserialize} for each. Errors
     * ({@link Error}) are not captured. Thread-safe like the rest of this interface; the arrays belong to
     * the caller and are not kept.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code payloads}
     */
    default void deserializeAll(List<Payload.Serialized> payloads, Object[] values, RuntimeException[] failures) {
        checkResultArrays(payloads, values, failures);
        for (int i = 0, n = payloads.size(); i < n; i++) {
            try {
                values[i] = deserialize(payloads.get(i));
                failures[i] = null;
            } catch (RuntimeException e) {
                values[i] = null;
                failures[i] = e;
            }
        }
    }

    private static void checkResultArrays(List<Payload.Serialized> payloads, Object[] values, RuntimeException[] failures) {
        Objects.requireNonNull(payloads, "payloads");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(failures, "failures");
        if (values.length < payloads.size() || failures.length < payloads.size()) {
            throw new IllegalArgumentException("values (" + values.length + ") and failures (" + failures.length
                    + ") must have room for the " + payloads.size() + " payloads");
        }
    }

    /**
     * Restores a value of {@code type} from the bytes of {@code payload}, ignoring its manifest: for
     * reading data written for a type that was renamed or replaced.
     *
     * @throws RuntimeException naming the manifest, the type and the reason if it cannot be restored
     */
    default <T> T deserialize(Payload.Serialized payload, Class<T> type) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot read a payload as a chosen type");
    }

    /**
     * The bytes of {@code payload} as a neutral tree that needs no class of the stored type:
     * {@code Map<String, Object>} (insertion-ordered) for an object, {@code List<Object>} for an
     * array, and {@code String}, {@code Long} or {@code BigInteger} (whole numbers), {@code BigDecimal}
     * (other numbers, exactly as stored), {@code Boolean} or {@code null} for values. The returned tree
     * is mutable and not shared.
     */
    default Object readTree(Payload.Serialized payload) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot read a payload as a tree");
    }

    /** The value as a neutral tree, as {@link #readTree} would give for its serialized form. */
    default Object toTree(Object value) {
        return readTree(serialize(value));
    }

    /**
     * Builds a value of {@code type} from a neutral tree (as {@link #readTree} returns, possibly
     * edited).
     *
     * @throws RuntimeException naming the type and the reason if the tree does not fit it
     */
    default <T> T fromTree(Object tree, Class<T> type) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot build a value from a tree");
    }

    /** The manifest this serializer writes for values of {@code type}. */
    default String manifestOf(Class<?> type) {
        return type.getName();
    }
}
