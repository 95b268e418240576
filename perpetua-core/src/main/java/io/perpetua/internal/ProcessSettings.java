package io.perpetua.internal;

import io.perpetua.DeadLetter;
import io.perpetua.PoisonEventPolicy;
import io.perpetua.spi.Serializer;
import io.perpetua.spi.Store;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Everything one process instance needs from its type and its runtime, resolved once.
 *
 * @param serializer null when events are kept as references in a memory store
 * @param codec how events and snapshots of the type become payloads and back (adapter, snapshot mapper,
 *     serializer)
 * @param askTimeouts the runtime's timeouts of outstanding asks
 * @param telemetry the metrics and spans of the type
 */
public record ProcessSettings<S, E>(
        String typeName,
        int snapshotEvery,
        int snapshotRetention,
        boolean deleteEventsOnSnapshot,
        PoisonEventPolicy poisonPolicy,
        int recoveryBatchSize,
        int conflictRetries,
        BiFunction<S, E, Set<String>> tagger,
        Store store,
        Serializer serializer,
        JournalWriter writer,
        ScheduledExecutorService timers,
        AskTimeouts askTimeouts,
        Consumer<DeadLetter> deadLetters,
        EventCodec<S, E> codec,
        Telemetry.ForType telemetry) {}
