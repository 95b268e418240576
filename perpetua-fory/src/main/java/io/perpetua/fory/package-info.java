/**
 * {@link io.perpetua.fory.ForySerializer}, an optional binary serializer.
 */
package io.perpetua.fory;
