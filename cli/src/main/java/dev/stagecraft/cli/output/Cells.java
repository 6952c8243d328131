package dev.stagecraft.cli.output;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** How fields of the API's JSON read in a table: times to the second in UTC, commits shortened, lists joined. */
public final class Cells {

    private static final int SHORT_COMMIT = 12;
    private static final DateTimeFormatter UTC_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private Cells() {
    }

    /** The field's text, or null when it is missing or null. */
    public static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }

    /** A time as {@code 2026-05-01T10:11:12Z}; text that is not a time is shown as it is. */
    public static String time(JsonNode node) {
        String text = text(node);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC).format(UTC_SECONDS);
        } catch (DateTimeParseException e) {
            return text;
        }
    }

    /** The first 12 characters of a commit id. */
    public static String commit(JsonNode node) {
        String text = text(node);
        return text == null || text.length() <= SHORT_COMMIT ? text : text.substring(0, SHORT_COMMIT);
    }

    /** The items of an array, or the values of an object as {@code key=value}, comma-separated. */
    public static String list(JsonNode node) {
        if (node == null || !node.isContainerNode() || node.isEmpty()) {
            return null;
        }
        List<String> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(item -> items.add(item.asText()));
        } else {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                items.add(field.getKey() + "=" + field.getValue().asText());
            }
        }
        return String.join(", ", items);
    }
}
