package io.perpetua.rocksdb;

import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import java.nio.charset.StandardCharsets;

/** Serializes the String events and Long states of the test processes as UTF-8 text. */
final class TextSerializer implements Serializer {
    @Override
    public Payload.Serialized serialize(Object value) {
        return switch (value) {
            case String s -> new Payload.Serialized("text", 1, s.getBytes(StandardCharsets.UTF_8));
            case Long l -> new Payload.Serialized("long", 1, Long.toString(l).getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException("cannot serialize " + value.getClass().getName());
        };
    }

    @Override
    public Object deserialize(Payload.Serialized payload) {
        String text = new String(payload.bytes(), StandardCharsets.UTF_8);
        return switch (payload.manifest()) {
            case "text" -> text;
            case "long" -> Long.parseLong(text);
            default -> throw new IllegalArgumentException("unknown manifest " + payload.manifest());
        };
    }
}
