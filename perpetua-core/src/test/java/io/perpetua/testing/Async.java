package io.perpetua.testing;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Runs a blocking call on its own virtual thread, so that any number can wait at once. */
public final class Async {
    private Async() {}

    public static <T> CompletableFuture<T> supply(Supplier<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofVirtual().name("test-caller").start(() -> {
            try {
                result.complete(call.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}
