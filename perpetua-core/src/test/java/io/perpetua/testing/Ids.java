package io.perpetua.testing;

import java.util.UUID;

/** Fresh persistence ids and store names, so that tests never see each other's data. */
public final class Ids {
    private Ids() {}

    /** A persistence id no other test uses: {@code prefix-<uuid>}. */
    public static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** A named memory store URI no other test uses. */
    public static String freshMemoryStore() {
        return "memory:" + fresh("store");
    }
}
