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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit by flat combining: a process that submits a write while no one is writing becomes
 * the combiner. It takes every write waiting in the queue (up to a batch limit) and hands them to
 * {@link EventJournal#append} in one call, so that a durable store makes one sync for many
 * processes; the others wait parked until their write is done. Each request gets its own result;
 * if the store throws, every request of that batch fails with the same exception (outcome unknown).
 *
 * <p>While the combiner writes one batch, the next one accumulates; when it is done, it wakes the
 * oldest waiting writer, which writes the next batch, and only then completes the requests of its
 * own batch, so that waking hundreds of writers overlaps with the next store write. So batches grow with load, latency stays one
 * store write when idle, and no hand-off to another thread happens when a process writes alone.
 * After a batch, subscribers are notified of its events in global-position order (batches are
 * written and published one at a time).
 */
public final class JournalWriter implements AutoCloseable {

    private final EventJournal journal;
    private final int maxBatch;
    private final EventDispatcher dispatcher;
    private final ConcurrentLinkedQueue<WriteRequest> queue = new ConcurrentLinkedQueue<>();
    /** Held by the thread writing a batch; the lists below are used only under it. */
    private final AtomicBoolean combining = new AtomicBoolean();
    private final List<WriteRequest> batch = new ArrayList<>();
    private final List<AtomicWrite> atomicWrites = new ArrayList<>();
    private final LongAdder batches = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final Telemetry telemetry;
    private volatile boolean closed;

    public JournalWriter(EventJournal journal, int maxBatch, EventDispatcher dispatcher, Telemetry telemetry) {
        this.journal = journal;
        this.maxBatch = maxBatch;
        this.dispatcher = dispatcher;
        this.telemetry = telemetry;
    }

    /** Submits one atomic write and waits for its result (writing the batch itself when no one else is). */
    WriteResult write(AtomicWrite write, List<?> events) {
        WriteRequest request = new WriteRequest(write, events, this);
        if (closed) {
            request.fail(closedFailure(request));
        } else if (queue.isEmpty() && combining.compareAndSet(false, true)) {
            writeHolding(request); // no one writing, no one waiting: write it without queueing it
        } else {
            queue.add(request);
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

    /**
     * Called by a waiting writer: if writes are queued and no one is writing, writes batches until
     * {@code mine} is done; then, if writes are still queued, wakes the oldest waiting writer to
     * take over. A writer that finds another one writing parks; that one wakes it (or the next
     * combiner) afterwards, as every combiner looks at the queue after it lets go.
     */
    void combine(WriteRequest mine) {
        while (!queue.isEmpty() && combining.compareAndSet(false, true)) {
            writeHolding(null);
            if (mine.isDone()) return;
        }
    }

    /**
     * Writes one batch ({@code first}, if not null, then what is queued) while holding
     * {@link #combining}, and lets go of it.
     */
    private void writeHolding(WriteRequest first) {
        // the batch belongs to many processes: an interrupt of this one must not disturb the store's I/O
        boolean interrupted = Thread.interrupted();
        List<WriteResult> results = null;
        WriteRequest single = null; // the batch's requests, to complete after letting go: one, or
        WriteRequest[] written = null; // several (the batch list belongs to the next combiner then)
        try {
            if (first != null) batch.add(first);
            WriteRequest r;
            while (batch.size() < maxBatch && (r = queue.poll()) != null) batch.add(r);
            if (!batch.isEmpty()) {
                if (closed) {
                    for (WriteRequest w : batch) w.fail(closedFailure(w));
                } else if ((results = writeBatch()) != null) {
                    if (batch.size() == 1) single = batch.getFirst(); else written = batch.toArray(WriteRequest[]::new);
                }
            }
        } finally {
            batch.clear();
            atomicWrites.clear();
            combining.set(false);
            if (interrupted) Thread.currentThread().interrupt();
            // writes that arrived meanwhile: the oldest writer takes the next batch (even if this one failed)
            WriteRequest next = queue.peek();
            if (next != null) next.wake();
        }
        // waking this batch's writers overlaps with the next batch's store write
        if (single != null) {
            single.complete(results.getFirst());
        } else if (written != null) {
            for (int i = 0; i < written.length; i++) written[i].complete(results.get(i));
        }
    }

    /**
     * Writes {@link #batch} and publishes its events; returns the results, for the combiner to
     * complete the requests with after it has let go. A store failure fails the requests at once
     * (and returns null).
     */
    private List<WriteResult> writeBatch() {
        for (WriteRequest w : batch) atomicWrites.add(w.write);
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
            return null;
        } catch (Error e) {
            StoreException failure = new StoreException(e.toString(), e);
            for (WriteRequest w : batch) w.fail(failure);
            throw e;
        } finally {
            batches.increment();
            writes.add(atomicWrites.size());
        }
        telemetry.batchWritten(atomicWrites);
        if (dispatcher.hasListeners()) {
            List<PersistedEvent> published = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (results.get(i) instanceof WriteResult.Written w) collect(batch.get(i), w, published);
            }
            if (!published.isEmpty()) dispatcher.publish(published);
        }
        return results;
    }

    private static void collect(WriteRequest w, WriteResult.Written written, List<PersistedEvent> out) {
        List<EventData> data = w.write.events();
        for (int j = 0; j < data.size(); j++) {
            EventData d = data.get(j);
            out.add(new PersistedEvent(w.write.persistenceId(), written.firstSequenceNr() + j,
                    written.globalPositions()[j], d.timestamp(), d.tags(), w.events.get(j)));
        }
    }

    private static IllegalStateException closedFailure(WriteRequest r) {
        return new IllegalStateException("the runtime is closed; write to '" + r.write.persistenceId()
                + "' was not attempted");
    }

    /** Writes everything already submitted, then stops: later writes fail without being attempted. */
    @Override
    public void close() {
        while (true) {
            while (!combining.compareAndSet(false, true)) LockSupport.parkNanos(100_000);
            if (queue.isEmpty()) {
                closed = true;
                combining.set(false);
                break;
            }
            writeHolding(null);
        }
        WriteRequest next = queue.peek(); // a write that slipped in after the last batch: its writer fails it
        if (next != null) next.wake();
    }
}
