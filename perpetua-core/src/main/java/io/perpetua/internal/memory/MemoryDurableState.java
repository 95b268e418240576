package io.perpetua.internal.memory;

import io.perpetua.spi.DurableStateRecord;
import io.perpetua.spi.DurableStateStore;
import io.perpetua.spi.Payload;
import io.perpetua.spi.PersistenceIds;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Durable state of a memory store: one record per id, compare-and-set on the revision. */
final class MemoryDurableState implements DurableStateStore {

    private final long maxPayloadBytes;
    private final ConcurrentHashMap<String, DurableStateRecord> records = new ConcurrentHashMap<>();

    MemoryDurableState(long maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public Optional<DurableStateRecord> load(String persistenceId) {
        PersistenceIds.validate(persistenceId);
        DurableStateRecord r = records.get(persistenceId);
        return r == null ? Optional.empty()
                : Optional.of(new DurableStateRecord(r.persistenceId(), r.revision(), copy(r.payload()), r.timestamp()));
    }

    @Override
    public boolean upsert(String persistenceId, long expectedRevision, Payload payload) {
        PersistenceIds.validate(persistenceId);
        Objects.requireNonNull(payload, "payload");
        if (expectedRevision < 0) throw new IllegalArgumentException("expectedRevision must be >= 0, was " + expectedRevision);
        if (payload.size() > maxPayloadBytes) {
            throw new IllegalArgumentException("state of " + payload.size() + " bytes for '" + persistenceId
                    + "' exceeds the memory store's limit of " + maxPayloadBytes + " bytes");
        }
        boolean[] written = {false};
        records.compute(persistenceId, (id, old) -> {
            long current = old == null ? 0 : old.revision();
            if (current != expectedRevision) return old;
            written[0] = true;
            return new DurableStateRecord(id, expectedRevision + 1, copy(payload), Instant.now());
        });
        return written[0];
    }

    @Override
    public void delete(String persistenceId) {
        PersistenceIds.validate(persistenceId);
        records.remove(persistenceId);
    }

    private static Payload copy(Payload p) {
        return p instanceof Payload.Serialized s
                ? new Payload.Serialized(s.manifest(), s.schemaVersion(), s.bytes().clone())
                : p;
    }
}
