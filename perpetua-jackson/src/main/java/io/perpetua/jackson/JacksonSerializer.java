package io.perpetua.jackson;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.TypeIdResolver;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import com.fasterxml.jackson.databind.jsontype.impl.TypeIdResolverBase;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.perpetua.spi.Manifests;
import io.perpetua.spi.Payload;
import io.perpetua.spi.Serializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The default serializer: each value as a JSON object, with its manifest and schema version from
 * {@link Manifests} stored beside the bytes. Found by {@link java.util.ServiceLoader} when this module
 * is on the class or module path; construct one with explicit {@link Manifests} to give types stable
 * names. Thread-safe.
 *
 * <p><b>What it handles, with no annotations in the domain code:</b> records (nested to any depth),
 * enums, collections and maps, {@code Optional} and its primitive variants, {@code java.time} values
 * (written as ISO-8601 strings), and sealed hierarchies. The top-level type needs no type information
 * in the JSON because the manifest names it. A field, element or {@code Optional} whose declared type
 * is a sealed interface or sealed abstract class is written with an {@code "@type"} property holding
 * the concrete type's manifest, and read back through {@link Manifests} restricted to subtypes of the
 * declared type; no other field carries type information.
 *
 * <p><b>Tolerant reading:</b> properties the current type no longer has are ignored, and properties it
 * gained read as null, zero or false, so adding and removing fields needs no adapter. Data whose
 * schema version is newer than the type's current one is refused, naming both versions, since reading
 * it would silently lose what the newer code stored. An unknown manifest is refused, naming it.
 *
 * <p>The JSON format is the stored format: it must stay readable by later versions of this class, and
 * test resources of this module hold fixture files in it.
 */
public final class JacksonSerializer implements Serializer {

    /** The property that carries the manifest of a value whose declared type is sealed. */
    public static final String TYPE_PROPERTY = "@type";

    private final Manifests manifests;
    private final ObjectMapper mapper;
    private final ConcurrentMap<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();
    private final Function<Class<?>, ObjectReader> newReader;
    private final ConcurrentMap<String, Target> targets = new ConcurrentHashMap<>();
    /** The mapper's blueprint of a deserialization context, and its configuration: what its readers start from. */
    private final DefaultDeserializationContext contexts;
    private final DeserializationConfig config;

    /** A serializer with default manifests (each type's binary class name, schema version 1). */
    public JacksonSerializer() {
        this(Manifests.defaults());
    }

    /**
     * A serializer that names and versions types by {@code manifests}.
     *
     * @param manifests each type's name in the journal and current schema version
     */
    public JacksonSerializer(Manifests manifests) {
        this.manifests = Objects.requireNonNull(manifests, "manifests");
        this.mapper = JsonMapper.builder()
                .addModule(new Jdk8Module())
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("perpetua-instants").addDeserializer(Instant.class, new InstantReader()))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.USE_LONG_FOR_INTS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .setDefaultTyping(new SealedTypes(manifests))
                .build();
        this.newReader = mapper::readerFor;
        this.contexts = (DefaultDeserializationContext) mapper.getDeserializationContext();
        this.config = mapper.getDeserializationConfig();
    }

    /**
     * The manifests this serializer names types by.
     *
     * @return the manifests given at construction
     */
    public Manifests manifests() {
        return manifests;
    }

    @Override
    public Payload.Serialized serialize(Object value) {
        Objects.requireNonNull(value, "value");
        Class<?> type = value.getClass();
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("cannot serialize " + type.getName() + " as JSON: " + reason(e), e);
        }
        return new Payload.Serialized(manifests.manifestOf(type), manifests.schemaVersionOf(type), bytes);
    }

    @Override
    public Object deserialize(Payload.Serialized payload) {
        Objects.requireNonNull(payload, "payload");
        Target target = targets.get(payload.manifest());
        if (target == null) target = targets.computeIfAbsent(payload.manifest(), m -> target(payload));
        // a newer version than the type's own is refused by typeForReading, with its message
        if (payload.schemaVersion() > target.schemaVersion()) manifests.typeForReading(payload);
        return read(payload, target.type(), target.reader());
    }

    @Override
    public <T> T deserialize(Payload.Serialized payload, Class<T> type) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(type, "type");
        @SuppressWarnings("unchecked")
        T value = (T) read(payload, type, readerFor(type));
        return value;
    }

    /**
     * Reads the payloads through one parser over their bytes laid end to end, a space apart, with a
     * fresh deserialization context per value (as {@link #deserialize} has): setting up a parser is
     * about a tenth of the cost of reading a small event. Sharing the parser must not change any
     * outcome, so a payload is read on its own by {@link #deserialize} instead whenever it could: when
     * its manifest does not resolve or its schema version is too new, when its bytes do not start like
     * UTF-8 JSON (the encoding is detected once per parser), when its first token does not start at its
     * first byte (content left over from the payload before) or its value ends past its last byte
     * (invalid JSON running into the next payload), when its JSON is null or empty, and when reading it
     * throws (the exception and its message are then those of {@code deserialize}). After a payload read
     * on its own, the parser starts again at the next one.
     */
    @Override
    public void deserializeAll(List<Payload.Serialized> payloads, Object[] values, RuntimeException[] failures) {
        Objects.requireNonNull(payloads, "payloads");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(failures, "failures");
        int n = payloads.size();
        if (values.length < n || failures.length < n) {
            throw new IllegalArgumentException("values (" + values.length + ") and failures (" + failures.length
                    + ") must have room for the " + n + " payloads");
        }
        Target[] joinedTargets = new Target[n];
        int length = 0;
        String lastManifest = null; // the events of a stream are mostly of one type: one lookup for a run of them
        Target lastTarget = null;
        for (int i = 0; i < n; i++) {
            Payload.Serialized payload = payloads.get(i);
            Target target = null;
            if (payload != null && startsLikeUtf8Json(payload.bytes())) {
                if (!payload.manifest().equals(lastManifest)) {
                    lastManifest = payload.manifest();
                    lastTarget = targets.get(lastManifest);
                }
                target = lastTarget;
            }
            if (target == null || target.deserializer() == null || payload.schemaVersion() > target.schemaVersion()) {
                readAlone(payloads, i, values, failures); // resolves the manifest, or fails as deserialize does
                if (target == null) lastManifest = null; // look it up again: it may resolve now
            } else {
                joinedTargets[i] = target;
                length += payload.bytes().length + 1;
            }
        }
        if (length == 0) return;
        byte[] joined = new byte[length];
        int[] starts = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            if (joinedTargets[i] == null) continue;
            byte[] bytes = payloads.get(i).bytes();
            System.arraycopy(bytes, 0, joined, at, bytes.length);
            starts[i] = at;
            at += bytes.length;
            joined[at++] = ' ';
        }
        JsonParser parser = null;
        int base = 0; // where the parser starts in joined: its offsets count from there
        try {
            for (int i = 0; i < n; i++) {
                Target target = joinedTargets[i];
                if (target == null) continue;
                if (parser == null) {
                    base = starts[i];
                    parser = mapper.getFactory().createParser(joined, base, length - base);
                    config.initialize(parser);
                }
                int start = starts[i] - base;
                Object value;
                try {
                    value = readJoined(parser, target, start, start + payloads.get(i).bytes().length);
                } catch (IOException | RuntimeException e) {
                    value = null;
                }
                if (value != null) {
                    values[i] = value;
                    failures[i] = null;
                } else {
                    closeQuietly(parser);
                    parser = null;
                    readAlone(payloads, i, values, failures);
                }
            }
        } catch (IOException e) { // creating a parser over a byte array does no I/O
            throw new UncheckedIOException(e);
        } finally {
            if (parser != null) closeQuietly(parser);
        }
    }

    /**
     * The next value of {@code parser}, or null if it is not exactly the payload at {@code [start, end)}
     * of the parser's input read as {@link #deserialize} reads it.
     */
    private Object readJoined(JsonParser parser, Target target, int start, int end) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null || token.isStructEnd() || token == JsonToken.VALUE_NULL || token == JsonToken.NOT_AVAILABLE
                || parser.currentTokenLocation().getByteOffset() != start) {
            return null;
        }
        DefaultDeserializationContext context = contexts.createInstance(config, parser, null);
        Object value = context.readRootValue(parser, target.javaType(), target.deserializer(), null);
        // a root number ends at the separator, which the parser consumes
        return parser.currentLocation().getByteOffset() <= end + 1 ? value : null;
    }

    private void readAlone(List<Payload.Serialized> payloads, int i, Object[] values, RuntimeException[] failures) {
        try {
            values[i] = deserialize(payloads.get(i));
            failures[i] = null;
        } catch (RuntimeException e) {
            values[i] = null;
            failures[i] = e;
        }
    }

    /**
     * Whether a parser started at these bytes reads them as UTF-8 without a byte order mark: their
     * first byte is a visible ASCII character and none of the first four is zero (UTF-16 and UTF-32).
     */
    private static boolean startsLikeUtf8Json(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] <= ' ' || bytes[0] >= 0x7f) return false;
        for (int i = 1, n = Math.min(4, bytes.length); i < n; i++) {
            if (bytes[i] == 0) return false;
        }
        return true;
    }

    private static void closeQuietly(JsonParser parser) {
        try {
            parser.close();
        } catch (IOException ignored) {
            // a parser over a byte array has nothing to release that can fail
        }
    }

    private static Object read(Payload.Serialized payload, Class<?> type, ObjectReader reader) {
        try {
            Object value = reader.readValue(payload.bytes());
            if (value == null) throw new IllegalArgumentException("the JSON is null");
            return value;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read manifest '" + payload.manifest() + "' v"
                    + payload.schemaVersion() + " as " + type.getName() + ": " + reason(e), e);
        }
    }

    /**
     * What a manifest reads as: its type, the type's current schema version, and the type's reader,
     * found once per manifest instead of for every event (several map lookups and allocations).
     * {@link Manifests} does not change once built, and only manifests that resolve are kept, so the
     * outcome is the same as resolving each time.
     */
    private record Target(Class<?> type, int schemaVersion, ObjectReader reader, JavaType javaType,
            JsonDeserializer<Object> deserializer) {}

    private Target target(Payload.Serialized payload) {
        Class<?> type = manifests.typeForReading(payload);
        JavaType javaType = mapper.constructType(type);
        JsonDeserializer<Object> deserializer;
        try {
            // the root deserializer the reader uses, kept for deserializeAll
            deserializer = contexts.createDummyInstance(config).findRootValueDeserializer(javaType);
        } catch (JsonProcessingException e) {
            deserializer = null;
        }
        return new Target(type, manifests.schemaVersionOf(type), readerFor(type), javaType, deserializer);
    }

    /** A reader per type, made once: it keeps the type's deserializer, found otherwise on every read. */
    private ObjectReader readerFor(Class<?> type) {
        return readers.computeIfAbsent(type, newReader); // a field, so that a hit allocates nothing
    }

    @Override
    public Object readTree(Payload.Serialized payload) {
        Objects.requireNonNull(payload, "payload");
        try {
            return mapper.readValue(payload.bytes(), Object.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("manifest '" + payload.manifest() + "' does not hold valid JSON: "
                    + reason(e), e);
        }
    }

    @Override
    public <T> T fromTree(Object tree, Class<T> type) {
        Objects.requireNonNull(type, "type");
        try {
            return mapper.convertValue(tree, type);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot build " + type.getName() + " from " + tree + ": " + reason(e), e);
        }
    }

    @Override
    public String manifestOf(Class<?> type) {
        return manifests.manifestOf(type);
    }

    private static String reason(Exception e) {
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return message == null ? e.toString() : message;
    }

    /**
     * Type information for exactly the declared types that are sealed (also inside arrays, collections
     * and {@code Optional}), written as the concrete type's manifest.
     */
    private static final class SealedTypes extends ObjectMapper.DefaultTypeResolverBuilder {
        private static final long serialVersionUID = 1L;
        private final transient Manifests manifests;

        SealedTypes(Manifests manifests) {
            super(ObjectMapper.DefaultTyping.NON_FINAL, LaissezFaireSubTypeValidator.instance);
            this.manifests = manifests;
            init(JsonTypeInfo.Id.CUSTOM, null);
            inclusion(JsonTypeInfo.As.PROPERTY);
            typeProperty(TYPE_PROPERTY);
        }

        @Override
        public boolean useForType(JavaType t) {
            while (t.isArrayType()) t = t.getContentType();
            while (t.isReferenceType()) t = t.getReferencedType();
            return t.getRawClass().isSealed();
        }

        @Override
        protected TypeIdResolver idResolver(MapperConfig<?> config, JavaType baseType,
                PolymorphicTypeValidator subtypeValidator, Collection<NamedType> subtypes, boolean forSer,
                boolean forDeser) {
            return new ManifestIdResolver(baseType, manifests);
        }
    }

    /** Type ids are manifests; an id resolves only to a subtype of the declared sealed type. */
    private static final class ManifestIdResolver extends TypeIdResolverBase {
        private final Manifests manifests;

        ManifestIdResolver(JavaType baseType, Manifests manifests) {
            super(baseType, null);
            this.manifests = manifests;
        }

        @Override
        public String idFromValue(Object value) {
            return manifests.manifestOf(value.getClass());
        }

        @Override
        public String idFromValueAndType(Object value, Class<?> suggestedType) {
            return manifests.manifestOf(value != null ? value.getClass() : suggestedType);
        }

        @Override
        public JavaType typeFromId(DatabindContext context, String id) throws IOException {
            Class<?> type = manifests.typeOf(id).orElse(null);
            if (type == null || !_baseType.getRawClass().isAssignableFrom(type)) {
                throw new IllegalArgumentException("unknown manifest '" + id + "' for a value of sealed type "
                        + _baseType.getRawClass().getName());
            }
            return context.constructSpecializedType(_baseType, type);
        }

        @Override
        public String getDescForKnownTypeIds() {
            return "manifests of the subtypes of " + _baseType.getRawClass().getName();
        }

        @Override
        public JsonTypeInfo.Id getMechanism() {
            return JsonTypeInfo.Id.CUSTOM;
        }
    }
}
