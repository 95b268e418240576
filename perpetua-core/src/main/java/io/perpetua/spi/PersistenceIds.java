package io.perpetua.spi;

/**
 * The rule every store and the runtime apply to persistence ids: 1 to 255 characters, no ISO control
 * characters, and not only whitespace. Stores may rely on it for their key layout.
 */
public final class PersistenceIds {

    /** The longest persistence id, in characters. */
    public static final int MAX_LENGTH = 255;

    private PersistenceIds() {}

    /**
     * Returns {@code id} if it is a valid persistence id.
     *
     * @throws IllegalArgumentException naming the id and the rule it breaks
     */
    public static String validate(String id) {
        if (id == null) throw new IllegalArgumentException("persistence id must not be null");
        // one pass over the characters (this runs for every write); the rules are reported in order
        int control = -1;
        boolean blank = true; // as String.isBlank: every character is whitespace
        for (int i = 0, n = id.length(); i < n && (blank || control < 0); i++) {
            char c = id.charAt(i);
            if (c > ' ' && c < 0x7f) { // printable ASCII, the common case: neither whitespace nor control
                blank = false;
                continue;
            }
            if (blank && !Character.isWhitespace(c)) blank = false;
            if (control < 0 && Character.isISOControl(c)) control = i;
        }
        if (blank) throw new IllegalArgumentException("persistence id must not be empty or blank: '" + id + "'");
        if (id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("persistence id is " + id.length() + " characters, the limit is "
                    + MAX_LENGTH + ": '" + id.substring(0, 40) + "...'");
        }
        if (control >= 0) {
            throw new IllegalArgumentException("persistence id contains a control character at index " + control
                    + ": '" + id.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return id;
    }
}
