/**
 * An optional binary serializer for Perpetua on Apache Fory. Not registered as a service: choose it
 * explicitly with {@code Perpetua.builder().serializer(new ForySerializer(...))}.
 */
module io.perpetua.fory {
    requires transitive io.perpetua.core;
    requires org.apache.fory.core;

    exports io.perpetua.fory;
}
