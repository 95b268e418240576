package io.perpetua.testing;

import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.function.Predicate;

/**
 * A serializer for tests: Java serialization, the class name as manifest, schema version 1. It can
 * be told to fail for chosen values on write and chosen payloads on read.
 */
public final class JavaSerializer implements Serializer {

    private final Predicate<Object> unwritable;
    private final Predicate<Payload.Serialized> unreadable;

    public JavaSerializer() {
        this(v -> false, p -> false);
    }

    private JavaSerializer(Predicate<Object> unwritable, Predicate<Payload.Serialized> unreadable) {
        this.unwritable = unwritable;
        this.unreadable = unreadable;
    }

    /** A copy that throws when asked to serialize a value matching {@code values}. */
    public JavaSerializer failingToWrite(Predicate<Object> values) {
        return new JavaSerializer(values, unreadable);
    }

    /** A copy that throws when asked to deserialize a payload matching {@code payloads}. */
    public JavaSerializer failingToRead(Predicate<Payload.Serialized> payloads) {
        return new JavaSerializer(unwritable, payloads);
    }

    @Override
    public Payload.Serialized serialize(Object value) {
        if (unwritable.test(value)) {
            throw new IllegalArgumentException("test serializer refuses to write " + value);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + value.getClass().getName(), e);
        }
        return new Payload.Serialized(value.getClass().getName(), 1, bytes.toByteArray());
    }

    @Override
    public Object deserialize(Payload.Serialized payload) {
        if (unreadable.test(payload)) {
            throw new IllegalArgumentException("test serializer refuses to read " + payload);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(payload.bytes()))) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot deserialize manifest " + payload.manifest() + ": " + e, e);
        }
    }
}
