package io.perpetua.internal;

import io.perpetua.PersistedEvent;
import io.perpetua.spi.AtomicWrite;
import io.perpetua.spi.EventData;
import io.perpetua.spi.EventJournal;
import io.perpetua.spi.StoreException;
import io.perpetua.spi.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit: one writer thread takes every write waiting in its queue (up to a batch limit) and
 * hands them to {@link EventJournal#append} in one call, so that a durable store makes one sync for
 * many processes. Each request gets its own result; if the store throws, every request of that
 * batch fails with the same exception (outcome unknown).
 *
 * <p>While the store writes one batch, the next one accumulates, so batches grow with load and
 * latency stays one store write when idle. After a batch, subscribers are notified of its events in
 * global-position order.
 */
public final class JournalWriter implements AutoCloseable {

    private final EventJournal journal;
    private final int maxBatch;
    private final EventDispatcher dispatcher;
    private final ConcurrentLinkedQueue<WriteRequest> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Thread thread;
    private final LongAdder batches = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private volatile boolean closing;
    private volatile boolean closed;

    public JournalWriter(EventJournal journal, int maxBatch, EventDispatcher dispatcher) {
        this.journal = journal;
        this.maxBatch = maxBatch;
        this.dispatcher = dispatcher;
        this.thread = Thread.ofPlatform().name("perpetua-journal-writer").daemon(true).start(this::run);
    }

    /** Submits one atomic write and waits for its result. */
    WriteResult write(AtomicWrite write, List<?> events) {
        WriteRequest request = new WriteRequest(write, events);
        queue.add(request);
        if (closed) {
            failPending();
        } else if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
        return request.await();
    }

    /** Number of store append calls made so far. */
    public long batches() {
        return batches.sum();
    }

    /** Number of atomic writes handed to the store so far. */
    public long writes() {
        return writes.sum();
    }

    private void run() {
        List<WriteRequest> batch = new ArrayList<>();
        List<AtomicWrite> atomicWrites = new ArrayList<>();
        while (true) {
            WriteRequest r;
            while (batch.size() < maxBatch && (r = queue.poll()) != null) batch.add(r);
            if (batch.isEmpty()) {
                if (closing) break;
                sleeping.set(true);
                if (queue.isEmpty() && !closing) LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
                sleeping.set(false);
                continue;
            }
            for (WriteRequest w : batch) atomicWrites.add(w.write);
            writeBatch(batch, atomicWrites);
            batch.clear();
            atomicWrites.clear();
        }
        closed = true;
        failPending();
    }

    private void writeBatch(List<WriteRequest> batch, List<AtomicWrite> atomicWrites) {
        List<WriteResult> results;
        try {
            results = journal.append(atomicWrites);
            if (results == null || results.size() != atomicWrites.size()) {
                throw new StoreException("journal " + journal.getClass().getName() + " broke the EventJournal contract: "
                        + "append of " + atomicWrites.size() + " writes returned "
                        + (results == null ? "null" : results.size() + " results"));
            }
        } catch (RuntimeException e) {
            RuntimeException failure = e instanceof StoreException ? e : new StoreException(e.toString(), e);
            for (WriteRequest w : batch) w.fail(failure);
            return;
        } finally {
            batches.increment();
            writes.add(atomicWrites.size());
        }
        boolean publish = dispatcher.hasListeners();
        List<PersistedEvent> published = publish ? new ArrayList<>() : null;
        for (int i = 0; i < batch.size(); i++) {
            WriteRequest w = batch.get(i);
            WriteResult result = results.get(i);
            if (publish && result instanceof WriteResult.Written written) collect(w, written, published);
            w.complete(result);
        }
        if (publish && !published.isEmpty()) dispatcher.publish(published);
    }

    private static void collect(WriteRequest w, WriteResult.Written written, List<PersistedEvent> out) {
        List<EventData> data = w.write.events();
        for (int j = 0; j < data.size(); j++) {
            EventData d = data.get(j);
            out.add(new PersistedEvent(w.write.persistenceId(), written.firstSequenceNr() + j,
                    written.globalPositions()[j], d.timestamp(), d.tags(), w.events.get(j)));
        }
    }

    private void failPending() {
        WriteRequest r;
        while ((r = queue.poll()) != null) {
            r.fail(new IllegalStateException("the runtime is closed; write to '" + r.write.persistenceId()
                    + "' was not attempted"));
        }
    }

    /** Writes everything already submitted, then stops. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
