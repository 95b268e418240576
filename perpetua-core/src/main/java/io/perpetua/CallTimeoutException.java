package io.perpetua;

import java.time.Duration;

/**
 * A call got no reply in time. The message may still be handled later; a call is not cancelled by
 * its timeout.
 */
public class CallTimeoutException extends PerpetuaException {
    public CallTimeoutException(String persistenceId, Duration timeout) {
        super(persistenceId, "call to '" + persistenceId + "' got no reply within " + timeout);
    }
}
