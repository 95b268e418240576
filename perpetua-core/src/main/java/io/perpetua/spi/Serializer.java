package io.perpetua.spi;

/**
 * Turns events and snapshot states into bytes with a manifest (a stable type name) and a schema
 * version, and back. Implementations are thread-safe.
 */
public interface Serializer {

    /**
     * Serializes {@code value}.
     *
     * @throws RuntimeException naming the value's type and the reason if it cannot be serialized
     */
    Payload.Serialized serialize(Object value);

    /**
     * Restores a value from its serialized form.
     *
     * @throws RuntimeException naming the manifest and the reason if it cannot be restored
     */
    Object deserialize(Payload.Serialized payload);
}
