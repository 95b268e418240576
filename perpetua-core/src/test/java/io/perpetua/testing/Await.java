package io.perpetua.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Waiting without timing assertions: every wait has a generous deadline that only a hang reaches,
 * and fails the test with what it was waiting for.
 */
public final class Await {

    /** Long enough that only a real hang reaches it. */
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    private Await() {}

    /** Polls {@code condition} until it holds. */
    public static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }

    /** Waits for {@code latch} to reach zero. */
    public static void latch(String what, CountDownLatch latch) {
        try {
            if (!latch.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("timed out waiting for " + what + " (" + latch.getCount() + " left)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    /** The result of {@code future}; its failure is rethrown unwrapped. */
    public static <T> T result(Future<T> future) {
        try {
            return future.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("timed out waiting for a result", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Waits until {@code thread} is parked inside {@code className.methodName}: the deterministic
     * way to know that a thread has reached a blocking point (a queued write, a queued call).
     */
    public static void parkedIn(Thread thread, String className, String methodName) {
        until(thread + " is parked in " + className + "." + methodName, () -> {
            Thread.State state = thread.getState();
            if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) return false;
            return Arrays.stream(thread.getStackTrace())
                    .anyMatch(f -> f.getClassName().equals(className) && f.getMethodName().equals(methodName));
        });
    }

    /** {@link #parkedIn} for a thread waiting for the group-commit writer to take its write. */
    public static void waitingForJournalWriter(Thread thread) {
        parkedIn(thread, "io.perpetua.internal.WriteRequest", "await");
    }
}
