package io.perpetua.bench;

import io.perpetua.fory.ForySerializer;
import io.perpetua.jackson.JacksonSerializer;
import io.perpetua.spi.Payload;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Serialize and deserialize cost of one typical event (about 100 bytes of JSON) with the default
 * serializer ({@link JacksonSerializer}) and with the optional binary one ({@link ForySerializer}: Apache
 * Fory in compatible mode, the mode an event store needs, through its thread-safe facade). Both are
 * measured as the runtime calls them, manifest and schema version included.
 *
 * <pre>java -jar perpetua-bench/target/benchmarks.jar SerializerBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerializerBenchmark {

    /** A typical event: an account id, an amount in cents, a currency, a time and a short free text. */
    public record MoneyDeposited(String accountId, long amount, String currency, Instant at, String reference) {}

    private final MoneyDeposited event = new MoneyDeposited("acc-42", 125_50, "EUR",
            Instant.parse("2026-11-23T10:15:30.123Z"), "salary");

    private JacksonSerializer jackson;
    private ForySerializer fory;
    private Payload.Serialized json;
    private Payload.Serialized binary;

    @Setup
    public void setUp() {
        jackson = new JacksonSerializer();
        json = jackson.serialize(event);
        fory = new ForySerializer();
        binary = fory.serialize(event);
        if (!event.equals(jackson.deserialize(json)) || !event.equals(fory.deserialize(binary))) {
            throw new IllegalStateException("a serializer does not round-trip the benchmark event");
        }
    }

    /** The serialized sizes, printed once so that the figures can name them. */
    public static void main(String[] args) {
        SerializerBenchmark b = new SerializerBenchmark();
        b.setUp();
        System.out.println("jackson: " + b.json.bytes().length + " bytes: " + new String(b.json.bytes()));
        System.out.println("fory:    " + b.binary.bytes().length + " bytes");
    }

    @Benchmark
    public Payload.Serialized jacksonSerialize() {
        return jackson.serialize(event);
    }

    @Benchmark
    public Object jacksonDeserialize() {
        return jackson.deserialize(json);
    }

    @Benchmark
    public Payload.Serialized forySerialize() {
        return fory.serialize(event);
    }

    @Benchmark
    public Object foryDeserialize() {
        return fory.deserialize(binary);
    }
}
