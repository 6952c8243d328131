package dev.stagecraft.gateway.webhooks;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiError;

/** What every webhook endpoint does alike: read the JSON body, and answer in the same shapes and statuses. */
public final class WebhookBodies {

    private WebhookBodies() {
    }

    /** An answer that ends the request early, with its status and reason. */
    public static final class Refusal extends Exception {
        private final transient Response response;

        Refusal(int status, String code, String message) {
            super(message);
            this.response = error(status, code, message);
        }

        public Response response() {
            return response;
        }
    }

    /**
     * The JSON object in {@code body}: JSON, or a form with a {@code payload} field.
     *
     * @throws Refusal 415 for another content type, 400 for malformed JSON or not an object
     */
    public static JsonNode json(String contentType, byte[] body) throws Refusal {
        String type = contentType == null ? "application/json" : contentType.toLowerCase();
        try {
            JsonNode node;
            if (type.startsWith("application/json")) {
                node = EventJson.mapper().readTree(body);
            } else if (type.startsWith("application/x-www-form-urlencoded")) {
                node = null;
                for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
                    if (pair.startsWith("payload=")) {
                        node = EventJson.mapper().readTree(URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8));
                    }
                }
                if (node == null) {
                    throw new Refusal(400, "malformed_payload", "the form body has no payload field");
                }
            } else {
                throw new Refusal(415, "unsupported_media_type", "content type '" + contentType
                        + "' is not accepted; send application/json or application/x-www-form-urlencoded");
            }
            if (node == null || !node.isObject()) {
                throw new Refusal(400, "malformed_json", "the body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new Refusal(400, "malformed_json", "the body is not valid JSON: " + e.getMessage());
        }
    }

    /** A required header, or a 400 naming it. */
    public static String header(String value, String name) throws Refusal {
        if (value == null || value.isBlank() || value.length() > 128) {
            throw new Refusal(400, "missing_header", "the " + name + " header is required (at most 128 characters)");
        }
        return value;
    }

    /** Runs the intake and maps its outcomes: 202 accepted or ignored, 200 duplicate, 400 malformed, 401 refused. */
    public static Response answer(String deliveryId, Supplier<WebhookResponse> intake) {
        try {
            WebhookResponse result = intake.get();
            return Response.status(202).type(MediaType.APPLICATION_JSON).entity(result).build();
        } catch (MalformedPayloadException e) {
            return error(400, "malformed_payload", e.getMessage());
        } catch (BadSignatureException e) {
            return error(401, "bad_signature", e.getMessage());
        } catch (DuplicateDeliveryException e) {
            return Response.ok(new WebhookResponse(deliveryId, "duplicate", "delivery already received", null))
                    .type(MediaType.APPLICATION_JSON).build();
        }
    }

    public static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(code, message, List.of()))
                .build();
    }

    /** The {@code field} of every object in the array {@code node} (label names); empty when there is no array. */
    public static java.util.Set<String> names(JsonNode node, String field) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        if (node.isArray()) {
            node.forEach(item -> {
                String name = item.path(field).asText(null);
                if (name != null) {
                    names.add(name);
                }
            });
        }
        return names;
    }

    /** The text of {@code field} in {@code node}, or a 400 naming {@code path}. */
    public static String required(JsonNode node, String field, String path) {
        String value = node.path(field).asText(null);
        if (value == null || value.isBlank()) {
            throw new MalformedPayloadException("the payload has no " + path);
        }
        return value;
    }
}
