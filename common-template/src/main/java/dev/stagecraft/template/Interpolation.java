package dev.stagecraft.template;

import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-fallback}} with values; {@code $$} stands for a literal {@code $}.
 * A name without a value and without a fallback is reported and left empty.
 */
public final class Interpolation {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    private Interpolation() {
    }

    /** What a whole template may expand to, in characters, shared by every interpolation of it. */
    public static final class Budget {
        private final long limit;
        private long left;

        public Budget(long limit) {
            this.limit = limit;
            this.left = limit;
        }

        public long limit() {
            return limit;
        }

        void spend(long characters) {
            left -= characters;
            if (left < 0) {
                throw new ExpansionLimitException(limit);
            }
        }
    }

    /** Interpolation would have made more text than its budget allows; stopped as soon as it did. */
    public static final class ExpansionLimitException extends RuntimeException {
        ExpansionLimitException(long limit) {
            super("expands to more than " + limit + " characters");
        }
    }

    public static String apply(String text, Map<String, String> values, Consumer<String> unknown) {
        return apply(text, values, unknown, new Budget(Long.MAX_VALUE));
    }

    /**
     * As {@link #apply(String, Map, Consumer)}, spending the result's length from {@code budget}.
     *
     * @throws ExpansionLimitException as soon as the text made so far exceeds what is left of the budget
     */
    public static String apply(String text, Map<String, String> values, Consumer<String> unknown, Budget budget) {
        if (text == null || text.indexOf('$') < 0) {
            if (text != null) {
                budget.spend(text.length());
            }
            return text;
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                String value = values.get(m.group(1));
                if (value == null || (value.isEmpty() && m.group(2) != null)) {
                    if (m.group(2) != null) {
                        value = m.group(3);
                    } else {
                        unknown.accept(m.group(1));
                        value = "";
                    }
                }
                replacement = value;
            }
            int before = out.length();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
            budget.spend(out.length() - before);
        }
        int before = out.length();
        m.appendTail(out);
        budget.spend(out.length() - before);
        return out.toString();
    }
}
