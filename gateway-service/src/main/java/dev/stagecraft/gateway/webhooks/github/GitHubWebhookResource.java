package dev.stagecraft.gateway.webhooks.github;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiError;
import dev.stagecraft.gateway.webhooks.WebhookResponse;

/**
 * Receives GitHub webhook deliveries. The body is read raw so the signature is checked over exactly the bytes GitHub
 * signed. Answers: 200/202 with the outcome, 400 malformed, 401 bad signature (nothing stored), 413 too large
 * (by quarkus.http.limits.max-body-size), 415 not JSON.
 */
@Path("/webhooks/github")
public class GitHubWebhookResource {

    @Inject
    GitHubWebhooks webhooks;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("X-GitHub-Event") String event,
            @HeaderParam("X-GitHub-Delivery") String delivery,
            @HeaderParam("X-Hub-Signature-256") String signature,
            @HeaderParam("Content-Type") String contentType, byte[] body) {
        if (event == null || event.isBlank()) {
            return error(400, "missing_header", "the X-GitHub-Event header is required");
        }
        if (delivery == null || delivery.isBlank() || delivery.length() > 128) {
            return error(400, "missing_header", "the X-GitHub-Delivery header is required (at most 128 characters)");
        }
        JsonNode payload;
        try {
            payload = parse(contentType, body);
        } catch (UnsupportedContentType e) {
            return error(415, "unsupported_media_type", e.getMessage());
        } catch (IOException e) {
            return error(400, "malformed_json", "the body is not valid JSON: " + e.getMessage());
        }
        if (!payload.isObject()) {
            return error(400, "malformed_json", "the body must be a JSON object");
        }
        try {
            WebhookResponse result = webhooks.handle(event, delivery, signature, body, payload);
            int status = "duplicate".equals(result.outcome()) ? 200 : 202;
            return Response.status(status).type(MediaType.APPLICATION_JSON).entity(result).build();
        } catch (MalformedPayloadException e) {
            return error(400, "malformed_payload", e.getMessage());
        } catch (BadSignatureException e) {
            return error(401, "bad_signature", e.getMessage());
        } catch (DuplicateDeliveryException e) {
            return Response.ok(new WebhookResponse(delivery, "duplicate", "delivery already received", null))
                    .type(MediaType.APPLICATION_JSON).build();
        }
    }

    private static JsonNode parse(String contentType, byte[] body) throws IOException {
        String type = contentType == null ? "application/json" : contentType.toLowerCase();
        if (type.startsWith("application/json")) {
            return EventJson.mapper().readTree(body);
        }
        if (type.startsWith("application/x-www-form-urlencoded")) {
            String form = new String(body, StandardCharsets.UTF_8);
            for (String pair : form.split("&")) {
                if (pair.startsWith("payload=")) {
                    return EventJson.mapper().readTree(URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8));
                }
            }
            throw new IOException("form body has no payload field");
        }
        throw new UnsupportedContentType("content type '" + contentType
                + "' is not accepted; send application/json or application/x-www-form-urlencoded");
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError(code, message, java.util.List.of())).build();
    }

    private static final class UnsupportedContentType extends IOException {
        UnsupportedContentType(String message) {
            super(message);
        }
    }
}
