package dev.stagecraft.gateway.environments;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;

/**
 * An application's quotas: at most {@code maxRunningEnvironments} of its environments running at once and
 * {@code maxConcurrentBuilds} of its builds; null: no limit of its own. {@code overflow} says what a new environment
 * past the first limit does: {@code queue} (it waits, QUEUED, until one stops) or {@code evict} (the least recently used
 * pull request environment is paused, or torn down when it already was); null: the installation's policy.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Limits(Integer maxRunningEnvironments, Integer maxConcurrentBuilds, String overflow) {

    public static final String QUEUE = "queue";
    public static final String EVICT = "evict";

    static final String ACCEPTED = "limits are {\"maxRunningEnvironments\": 3, \"maxConcurrentBuilds\": 1,"
            + " \"overflow\": \"queue\"} (each optional; numbers of at least 1, overflow queue or evict)";

    /** The limits in {@code json}, checked; a 400 naming the field, what was given and what is accepted otherwise. */
    public static Limits parse(String json) {
        JsonNode node;
        try {
            node = EventJson.mapper().readTree(json == null || json.isBlank() ? "null" : json);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(ACCEPTED + "; the body is not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest(ACCEPTED + "; the body is not a JSON object");
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!name.equals("maxRunningEnvironments") && !name.equals("maxConcurrentBuilds")
                    && !name.equals("overflow")) {
                throw ApiException.badRequest("field '" + name + "' is not known; " + ACCEPTED);
            }
        });
        Integer running = count(node, "maxRunningEnvironments");
        Integer builds = count(node, "maxConcurrentBuilds");
        String overflow = null;
        JsonNode o = node.get("overflow");
        if (o != null && !o.isNull()) {
            overflow = o.isTextual() ? o.asText().toLowerCase(Locale.ROOT) : o.toString();
            if (!overflow.equals(QUEUE) && !overflow.equals(EVICT)) {
                throw ApiException.badRequest("overflow '" + (o.isTextual() ? o.asText() : o.toString())
                        + "' is not accepted; use queue (a new environment past the limit waits, QUEUED) or evict"
                        + " (the least recently used pull request environment is paused, then torn down)");
            }
        }
        return new Limits(running, builds, overflow);
    }

    /** The installation's policy, as configured ({@code STAGECRAFT_QUOTA_OVERFLOW}); refused at start when unknown. */
    static String checkedPolicy(String overflow) {
        String policy = overflow.trim().toLowerCase(Locale.ROOT);
        if (!policy.equals(QUEUE) && !policy.equals(EVICT)) {
            throw new IllegalStateException("stagecraft.quotas.overflow (STAGECRAFT_QUOTA_OVERFLOW) is '" + overflow
                    + "'; use queue or evict");
        }
        return policy;
    }

    private static Integer count(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
            throw ApiException.badRequest(field + " " + n + " is not accepted; use a whole number of at least 1, or"
                    + " null for no limit");
        }
        return n.asInt();
    }
}
