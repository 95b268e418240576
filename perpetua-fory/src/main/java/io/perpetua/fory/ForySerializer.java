package io.perpetua.fory;

import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import java.util.Objects;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.CompatibleMode;
import org.apache.fory.config.Language;

/**
 * A binary serializer on Apache Fory, in Fory's compatible mode: fields may be added and removed
 * over time, and bytes written for one type can be read as another with the same fields (so a
 * renamed type stays readable through a {@link Manifests} alias). Much faster than JSON (see
 * docs/benchmarks.md), at the price of a format that people and SQL cannot read and that event
 * adapters cannot see as a tree ({@link #readTree} is unsupported; read old data with
 * {@code RawEvent.as(OldShape.class)} instead). Thread-safe.
 *
 * <p>The top-level type is chosen by the manifest beside the bytes, as with every Perpetua
 * serializer. Values nested in fields are identified inside the bytes by Fory, by class name, so
 * renaming a type that appears <em>inside</em> events (a record in a sealed field, say) makes old
 * data unreadable; give such types a stable home or stay with the JSON serializer.
 *
 * <p>Not registered with {@link java.util.ServiceLoader}: the JSON serializer stays the default, and
 * this one is chosen explicitly with {@code Perpetua.builder().serializer(new ForySerializer())}.
 */
public final class ForySerializer implements Serializer {

    private final Manifests manifests;
    private final ThreadSafeFory fory;

    /** A serializer with default manifests (each type's binary class name, schema version 1). */
    public ForySerializer() {
        this(Manifests.defaults());
    }

    /** A serializer that names and versions types by {@code manifests}. */
    public ForySerializer(Manifests manifests) {
        this.manifests = Objects.requireNonNull(manifests, "manifests");
        this.fory = Fory.builder()
                .withLanguage(Language.JAVA)
                .withCompatibleMode(CompatibleMode.COMPATIBLE)
                .requireClassRegistration(false)
                .withClassLoader(ForySerializer.class.getClassLoader())
                .buildThreadSafeFory();
    }

    @Override
    public Payload.Serialized serialize(Object value) {
        Objects.requireNonNull(value, "value");
        Class<?> type = value.getClass();
        byte[] bytes;
        try {
            bytes = fory.serialize(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot serialize " + type.getName() + " with Fory: " + e.getMessage(), e);
        }
        return new Payload.Serialized(manifests.manifestOf(type), manifests.schemaVersionOf(type), bytes);
    }

    @Override
    public Object deserialize(Payload.Serialized payload) {
        return deserialize(payload, manifests.typeForReading(payload));
    }

    @Override
    public <T> T deserialize(Payload.Serialized payload, Class<T> type) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(type, "type");
        try {
            T value = fory.deserialize(payload.bytes(), type);
            if (value == null) throw new IllegalArgumentException("the bytes hold null");
            return value;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read manifest '" + payload.manifest() + "' v"
                    + payload.schemaVersion() + " as " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String manifestOf(Class<?> type) {
        return manifests.manifestOf(type);
    }
}
