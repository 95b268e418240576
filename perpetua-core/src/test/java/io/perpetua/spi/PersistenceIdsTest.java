package io.perpetua.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The persistence id rule, checked in one pass, against the rule as written: blank, length, control characters. */
class PersistenceIdsTest {

    @Provide
    Arbitrary<String> ids() {
        Arbitrary<Character> interesting = Arbitraries.of(' ', '\t', '\n', '\u0000', '\u007F', '\u0085', '\u009F',
                '\u00A0', '\u2003', '\u3000', 'a', 'Z', '-', ':', 'é', '\uD83D', '\uDE00');
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars(interesting.sample(), interesting.sample(), 'x', ' ', '\t', '\u0001')
                        .ofMaxLength(8),
                Arbitraries.strings().all().ofMaxLength(300),
                interesting.list().ofMaxSize(12).map(cs -> {
                    StringBuilder sb = new StringBuilder();
                    cs.forEach(sb::append);
                    return sb.toString();
                }));
    }

    @Property(tries = 2000)
    void validate_accepts_and_rejects_exactly_as_the_rule_says_with_the_first_broken_rule_named(
            @ForAll("ids") String id) {
        String expected = brokenRule(id);
        if (expected == null) {
            assertThat(PersistenceIds.validate(id)).isSameAs(id);
        } else {
            assertThatThrownBy(() -> PersistenceIds.validate(id)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(expected);
        }
    }

    /** The rule as documented, one check after the other. */
    private static String brokenRule(String id) {
        if (id.isBlank()) return "must not be empty or blank";
        if (id.length() > PersistenceIds.MAX_LENGTH) return "characters, the limit is";
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) return "control character at index " + i + ":";
        }
        return null;
    }
}
