package io.perpetua.internal;

import io.perpetua.EventAdapter;
import java.util.function.Function;

/**
 * A process type's choices about its stored form: the event adapter and the snapshot mapper (each
 * null for none).
 */
public record CodecOptions<S, E>(EventAdapter<E> adapter, Function<? super S, ?> toStored,
        Function<Object, ? extends S> fromStored) {

    private static final CodecOptions<?, ?> NONE = new CodecOptions<>(null, null, null);

    @SuppressWarnings("unchecked")
    public static <S, E> CodecOptions<S, E> none() {
        return (CodecOptions<S, E>) NONE;
    }
}
