/**
 * The default Perpetua serializer: JSON through Jackson for records, sealed hierarchies, collections,
 * enums, {@code java.time} and {@code Optional}, with no annotations in the domain code. Registered
 * as a {@link io.perpetua.spi.Serializer} service, so a runtime finds it on the class or module path.
 * On the module path, open the packages of your events and states to {@code com.fasterxml.jackson.databind}.
 */
module io.perpetua.jackson {
    requires transitive io.perpetua.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires com.fasterxml.jackson.datatype.jsr310;

    exports io.perpetua.jackson;

    provides io.perpetua.spi.Serializer with io.perpetua.jackson.JacksonSerializer;
}
