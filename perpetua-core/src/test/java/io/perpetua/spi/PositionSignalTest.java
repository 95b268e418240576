package io.perpetua.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The position signal: only grows, and a waiter never misses an advance, whenever it comes. */
class PositionSignalTest {

    @Test
    void the_highest_position_only_grows() {
        PositionSignal signal = new PositionSignal(5);
        signal.advance(3);
        signal.advance(9);
        signal.advance(7);

        assertThat(signal.highest()).isEqualTo(9);
    }

    @Test
    void a_waiter_returns_as_soon_as_the_position_passes_the_one_it_waits_after() throws Exception {
        PositionSignal signal = new PositionSignal(0);
        AtomicLong seen = new AtomicLong(-1);
        CountDownLatch started = new CountDownLatch(1);
        Thread waiter = Thread.ofVirtual().start(() -> {
            started.countDown();
            try {
                seen.set(signal.await(0, Duration.ofMinutes(1)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        started.await();
        signal.advance(1);

        assertThat(waiter.join(Duration.ofSeconds(10))).isTrue();
        assertThat(seen.get()).isEqualTo(1);
    }

    @Test
    void no_advance_is_missed_by_a_waiter_that_starts_waiting_at_the_same_time() throws Exception {
        // Each round the writer announces the next position just as the waiter starts to wait for it
        // (the race the lock-free announcement must win) and then waits for the waiter to see it: a
        // missed wake-up leaves the waiter parked until its 30 s timeout, and the round times out.
        PositionSignal signal = new PositionSignal(0);
        int rounds = 5_000;
        AtomicLong waitingAfter = new AtomicLong(-1);
        AtomicLong seen = new AtomicLong(0);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                for (long p = 0; p < rounds; p = seen.get()) {
                    waitingAfter.set(p);
                    long highest = signal.await(p, Duration.ofSeconds(30));
                    if (highest <= p) break; // timed out or closed: the round failed
                    seen.set(highest);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            for (long p = 1; p <= rounds; p++) {
                while (waitingAfter.get() != p - 1) Thread.onSpinWait();
                signal.advance(p);
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (seen.get() < p) {
                    assertThat(System.nanoTime() - deadline).as("round " + p + " was seen in time").isNegative();
                    Thread.onSpinWait();
                }
            }
        } finally {
            signal.close();
            waiter.join();
        }
        assertThat(seen.get()).isEqualTo(rounds);
    }
}
