package io.perpetua.query;

import io.perpetua.PerpetuaException;

/** A durable subscription or projection was opened under a name that another consumer holds. */
public final class ConsumerAlreadyActiveException extends PerpetuaException {
    private final String consumerName;

    public ConsumerAlreadyActiveException(String consumerName, String storeUri) {
        super(null, "the consumer '" + consumerName + "' is already active on store " + storeUri
                + ": only one consumer per name may run at a time; close the other one first");
        this.consumerName = consumerName;
    }

    /** The name that is taken. */
    public String consumerName() {
        return consumerName;
    }
}
