package io.perpetua.query;

import java.time.Duration;
import java.util.Objects;

/**
 * What a projection does when its handler throws: stop, skip the event, or retry a few times and
 * then stop or skip. A stopped projection leaves its checkpoint before the failed event, so the next
 * run starts with it.
 */
public sealed interface FailurePolicy {

    /** Stop the projection at the first failure (the default). */
    static FailurePolicy fail() {
        return new Retry(0, Duration.ZERO, false);
    }

    /** Log the failure and go on with the next event; the failed event counts as handled. */
    static FailurePolicy skip() {
        return new Retry(0, Duration.ZERO, true);
    }

    /** Retry up to {@code retries} times, waiting {@code backoff} before each, then stop. */
    static FailurePolicy retryThenFail(int retries, Duration backoff) {
        return new Retry(retries, backoff, false);
    }

    /** Retry up to {@code retries} times, waiting {@code backoff} before each, then skip. */
    static FailurePolicy retryThenSkip(int retries, Duration backoff) {
        return new Retry(retries, backoff, true);
    }

    /**
     * Retry, then stop or skip.
     *
     * @param retries how many times to call the handler again after the first failure, at least 0
     * @param backoff the wait before each retry, not negative
     * @param thenSkip skip the event when the retries are used up; otherwise stop
     */
    record Retry(int retries, Duration backoff, boolean thenSkip) implements FailurePolicy {
        public Retry {
            if (retries < 0) throw new IllegalArgumentException("retries must be >= 0, was " + retries);
            Objects.requireNonNull(backoff, "backoff");
            if (backoff.isNegative()) throw new IllegalArgumentException("backoff must not be negative, was " + backoff);
        }
    }
}
