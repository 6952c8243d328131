package dev.stagecraft.template;

import java.util.Map;
import java.util.Set;

import dev.stagecraft.template.yaml.YamlCursor;

/**
 * Variable interpolation as the Compose specification defines it, for every value of a compose file: {@code $VAR},
 * {@code ${VAR}}, {@code ${VAR:-default}} (unset or empty), {@code ${VAR-default}} (unset), {@code ${VAR:?error}},
 * {@code ${VAR?error}}, {@code ${VAR:+replacement}}, {@code ${VAR+replacement}}, defaults and replacements holding
 * interpolations of their own, and {@code $$} for a literal {@code $}. Values come from the application's environment
 * variables ({@code defaults}), as the shell's would for {@code docker compose}. A variable that is not set reads as
 * empty, with a warning, as Compose does; a required one ({@code ?}) is an error at the value's line. Secret
 * variables are refused: the generated template is stored and shown in clear.
 */
final class ComposeInterpolation implements YamlCursor.ScalarRewrite {

    private final Map<String, String> values;
    private final Set<String> secrets;

    ComposeInterpolation(Map<String, String> values, Set<String> secrets) {
        this.values = values;
        this.secrets = secrets;
    }

    @Override
    public String rewrite(YamlCursor at, String text) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        try {
            return expand(text, at, 0);
        } catch (IllegalArgumentException e) {
            at.error("invalid interpolation in '" + text + "': " + e.getMessage()
                    + "; accepted: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error},"
                    + " ${VAR:+replacement}, ${VAR+replacement}, and $$ for a literal $");
            return text;
        }
    }

    /** Defaults and replacements hold interpolations of their own at most this deep. */
    static final int MAX_NESTING = 10;

    private String expand(String text, YamlCursor at, int depth) {
        if (depth > MAX_NESTING) {
            throw new IllegalArgumentException("interpolations are nested more than " + MAX_NESTING + " deep");
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 == text.length()) {
                out.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = closing(text, i + 2);
                out.append(braced(text.substring(i + 2, end), at, depth));
                i = end + 1;
            } else if (nameStart(next)) {
                int j = i + 2;
                while (j < text.length() && namePart(text.charAt(j))) {
                    j++;
                }
                out.append(lookup(text.substring(i + 1, j), at));
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** The index of the brace that closes the one opened before {@code from}, past nested ones. */
    private static int closing(String text, int from) {
        int depth = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
                i++;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            }
        }
        throw new IllegalArgumentException("'${' is not closed by '}'");
    }

    private String braced(String inner, YamlCursor at, int depth) {
        int n = 0;
        while (n < inner.length() && (n == 0 ? nameStart(inner.charAt(n)) : namePart(inner.charAt(n)))) {
            n++;
        }
        if (n == 0) {
            throw new IllegalArgumentException("'${" + inner + "}' does not start with a variable name");
        }
        String name = inner.substring(0, n);
        String rest = inner.substring(n);
        if (rest.isEmpty()) {
            return lookup(name, at);
        }
        boolean colon = rest.startsWith(":");
        String op = colon ? rest.substring(0, Math.min(2, rest.length())) : rest.substring(0, 1);
        String operand = rest.substring(op.length());
        if (secret(name, at)) {
            return "";
        }
        String value = values.get(name);
        boolean unset = value == null || colon && value.isEmpty();
        return switch (op) {
            case ":-", "-" -> unset ? expand(operand, at, depth + 1) : value;
            case ":?", "?" -> {
                if (unset) {
                    String says = expand(operand, at, depth + 1);
                    at.error("required variable " + name + " is " + (value == null ? "not set" : "empty")
                            + (says.isEmpty() ? "" : ": " + says) + "; set it in the environment variables template");
                    yield "";
                }
                yield value;
            }
            case ":+", "+" -> unset ? "" : expand(operand, at, depth + 1);
            default -> throw new IllegalArgumentException("'" + op + "' after ${" + name + " is not an operator");
        };
    }

    private String lookup(String name, YamlCursor at) {
        if (secret(name, at)) {
            return "";
        }
        String value = values.get(name);
        if (value == null) {
            at.warn("variable " + name + " is not set, so it reads as empty; set it in the environment variables"
                    + " template or give a default (${" + name + ":-value})");
            return "";
        }
        return value;
    }

    /** Whether {@code name} is a secret variable, reported as an error: its value is never interpolated. */
    private boolean secret(String name, YamlCursor at) {
        if (!secrets.contains(name)) {
            return false;
        }
        at.error("variable " + name + " is secret and is not put into the template, which is stored and shown in"
                + " clear; pass it to the service as an environment variable instead");
        return true;
    }

    private static boolean nameStart(char c) {
        return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    private static boolean namePart(char c) {
        return nameStart(c) || c >= '0' && c <= '9';
    }
}
