package io.perpetua.internal;

import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;

/** Turns objects into payloads and back, with the runtime's serializer or by reference. */
final class Codec {
    private Codec() {}

    static Payload encode(Serializer serializer, Object value) {
        if (serializer == null) return new Payload.Reference(value);
        Payload.Serialized p = serializer.serialize(value);
        if (p == null) {
            throw new IllegalStateException("serializer " + serializer.getClass().getName() + " returned null for "
                    + value.getClass().getName());
        }
        return p;
    }

    static Object decode(Serializer serializer, Payload payload) {
        return switch (payload) {
            case Payload.Reference r -> r.value();
            case Payload.Serialized s -> {
                if (serializer == null) {
                    throw new IllegalStateException("no serializer is configured to read manifest '" + s.manifest() + "'");
                }
                Object value = serializer.deserialize(s);
                if (value == null) throw returnedNull(s);
                yield value;
            }
        };
    }

    static IllegalStateException returnedNull(Payload.Serialized payload) {
        return new IllegalStateException("serializer returned null for manifest '" + payload.manifest() + "'");
    }

    static String manifestOf(Payload payload) {
        return payload instanceof Payload.Serialized s ? s.manifest() + " v" + s.schemaVersion() : "reference";
    }
}
