package io.perpetua.internal.read;

import io.perpetua.query.QueryStream;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A publisher over a query: each subscriber gets a fresh stream and a virtual thread that waits for
 * demand, pulls one result at a time and calls {@code onNext}. Demand is counted up to
 * {@link Long#MAX_VALUE}; a non-positive request ends the subscription with {@code onError}.
 */
final class QueryPublisher<T> implements Flow.Publisher<T> {

    private final Supplier<QueryStream<T>> opener;

    QueryPublisher(Supplier<QueryStream<T>> opener) {
        this.opener = opener;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        Delivery<T> delivery = new Delivery<>(subscriber);
        subscriber.onSubscribe(delivery);
        Thread.ofVirtual().name("perpetua-query-publisher").start(() -> delivery.run(opener));
    }

    private static final class Delivery<T> implements Flow.Subscription {
        private final Flow.Subscriber<? super T> subscriber;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition demanded = lock.newCondition();
        private long demand;
        private volatile boolean cancelled;
        private volatile QueryStream<T> stream;
        private IllegalArgumentException badRequest;

        Delivery(Flow.Subscriber<? super T> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            lock.lock();
            try {
                if (n <= 0) badRequest = new IllegalArgumentException("request(" + n + "): demand must be positive (rule 3.9)");
                else demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                demanded.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            QueryStream<T> s = stream;
            if (s != null) s.close();
            lock.lock();
            try {
                demanded.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void run(Supplier<QueryStream<T>> opener) {
            try (QueryStream<T> s = opener.get()) {
                stream = s;
                if (cancelled) return;
                while (true) {
                    lock.lock();
                    try {
                        while (demand == 0 && badRequest == null && !cancelled) demanded.await();
                        if (badRequest != null) {
                            cancelled = true;
                            subscriber.onError(badRequest);
                            return;
                        }
                        if (cancelled) return;
                    } finally {
                        lock.unlock();
                    }
                    Optional<T> next = s.poll(PagedStream.WAIT_SLICE);
                    if (cancelled) return;
                    if (next.isPresent()) {
                        lock.lock();
                        try {
                            demand--;
                        } finally {
                            lock.unlock();
                        }
                        subscriber.onNext(next.get());
                    } else if (s.isClosed() || (s instanceof PagedStream<?> p && p.finished())) {
                        subscriber.onComplete();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!cancelled) subscriber.onError(e);
            }
        }
    }
}
