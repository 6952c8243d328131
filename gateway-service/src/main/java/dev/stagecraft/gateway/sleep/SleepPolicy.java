package dev.stagecraft.gateway.sleep;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;

/**
 * An application's sleep policy: its environments sleep once the router had no request for any of their host names
 * for {@code idleAfter}; the next request wakes them. The body of {@code PUT /api/applications/{id}/sleep}:
 * {@code {"idleAfter": "PT30M"}}.
 */
public record SleepPolicy(Duration idleAfter) {

    /** Shorter would put an environment to sleep between a browser's requests for one page. */
    public static final Duration MIN = Duration.ofSeconds(5);
    /** Longer than an ephemeral environment's longest life is no timeout at all. */
    public static final Duration MAX = Duration.ofDays(7);

    /** Reads the JSON body, naming what is wrong and what is accepted. */
    public static SleepPolicy parse(String body) {
        JsonNode json;
        try {
            json = EventJson.mapper().readTree(body == null ? "" : body);
        } catch (java.io.IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object such as {\"idleAfter\": \"PT30M\"}");
        }
        var fields = json.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!field.equals("idleAfter")) {
                throw ApiException.badRequest("field '" + field + "' is not accepted; the only field is idleAfter");
            }
        }
        JsonNode value = json.get("idleAfter");
        if (value == null || !value.isTextual()) {
            throw ApiException.badRequest("idleAfter is required: an ISO-8601 duration such as \"PT30M\"");
        }
        return new SleepPolicy(parseDuration(value.asText()));
    }

    /** The stored form back ({@link #text()}). */
    public static SleepPolicy of(String stored) {
        return stored == null ? null : new SleepPolicy(Duration.parse(stored));
    }

    private static Duration parseDuration(String text) {
        Duration idleAfter;
        try {
            idleAfter = Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("idleAfter '" + text + "' is not an ISO-8601 duration; use a form such as"
                    + " \"PT30M\" or \"PT2H\"");
        }
        if (idleAfter.compareTo(MIN) < 0 || idleAfter.compareTo(MAX) > 0) {
            throw ApiException.badRequest("idleAfter " + text + " is outside what is accepted: from " + MIN + " to "
                    + MAX);
        }
        return idleAfter;
    }

    /** The stored and shown form, such as {@code PT30M}. */
    public String text() {
        return idleAfter.toString();
    }
}
