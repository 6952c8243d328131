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

    public static String apply(String text, Map<String, String> values, Consumer<String> unknown) {
        if (text == null || text.indexOf('$') < 0) {
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
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
