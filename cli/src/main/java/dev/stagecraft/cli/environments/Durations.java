package dev.stagecraft.cli.environments;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.stagecraft.cli.UsageException;

/**
 * The durations options take ({@code envs extend --by}, {@code apps sleep --after}): ISO-8601 as the API wants it, or
 * a shorthand such as 12h.
 */
public final class Durations {

    private static final Pattern SHORTHAND = Pattern.compile("(\\d+)([smhd])");

    private Durations() {
    }

    /**
     * {@code text} as an ISO-8601 duration: {@code PT12H} and {@code P2D} pass as they are (the gateway checks them),
     * {@code 90m}, {@code 12h} and {@code 2d} become {@code PT90M}, {@code PT12H} and {@code P2D}.
     */
    public static String iso(String option, String text) {
        String given = text.strip().toUpperCase(Locale.ROOT);
        if (given.startsWith("P")) {
            return given;
        }
        Matcher shorthand = SHORTHAND.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!shorthand.matches()) {
            throw new UsageException(option + " '" + text + "' is not a duration: use a number with s, m, h or d (90m,"
                    + " 12h, 2d) or ISO-8601 (PT12H, P2D)");
        }
        String amount = shorthand.group(1);
        return switch (shorthand.group(2)) {
            case "d" -> "P" + amount + "D";
            default -> "PT" + amount + shorthand.group(2).toUpperCase(Locale.ROOT);
        };
    }
}
