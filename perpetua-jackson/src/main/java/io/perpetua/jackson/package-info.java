/**
 * {@link io.perpetua.jackson.JacksonSerializer}, the default serializer of Perpetua.
 */
package io.perpetua.jackson;
