package io.perpetua;

/**
 * Whether a process that has ended is started again at once, on its own thread, with its mailbox
 * kept. A process ends by a <em>crash</em> (see {@link ProcessType#withRestartPolicy}), by stopping
 * itself ({@link Context#stop()}), or by being stopped from outside ({@link ProcessRef#stop()},
 * passivation, {@link Perpetua#close()}); the last kind is never restarted. A restarted process
 * recovers from its journal (or durable state); messages to a process that was not restarted fail
 * with {@link ProcessStoppedException}, except that a reference from {@link Perpetua#ref} starts it
 * again on its next message.
 */
public enum RestartPolicy {
    /** Restart after a crash and after the process stopped itself. */
    PERMANENT,
    /** Restart after a crash only (the default). */
    TRANSIENT,
    /** Never restart: a crash ends the process and fails its queued messages. */
    TEMPORARY
}
