package dev.stagecraft.gateway.webhooks.gitlab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.gateway.webhooks.GitEvent;
import dev.stagecraft.gateway.webhooks.MalformedPayloadException;
import dev.stagecraft.gateway.webhooks.ParsedDelivery;
import dev.stagecraft.gateway.webhooks.WebhookBodies;
import dev.stagecraft.gateway.webhooks.WebhookReceiver;
import dev.stagecraft.gateway.webhooks.WebhookReceiver.Header;

/**
 * Receives GitLab deliveries: Push Hook, Tag Push Hook, Merge Request Hook (open, reopen, update, close, merge).
 * X-Gitlab-Token is compared in constant time with the application's webhook secret; deliveries are deduplicated on
 * Idempotency-Key, X-Gitlab-Webhook-UUID or X-Gitlab-Event-UUID, the first present.
 */
@Path("/webhooks/gitlab")
public class GitLabWebhookResource {

    static final String PROVIDER = "gitlab";
    private static final String ZERO_SHA = "0000000000000000000000000000000000000000";

    @Inject
    WebhookReceiver receiver;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("X-Gitlab-Event") String event, @HeaderParam("X-Gitlab-Token") String token,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam("X-Gitlab-Webhook-UUID") String webhookUuid,
            @HeaderParam("X-Gitlab-Event-UUID") String eventUuid,
            @HeaderParam("Content-Type") String contentType, byte[] body) {
        String delivery = idempotencyKey != null ? idempotencyKey : webhookUuid != null ? webhookUuid : eventUuid;
        String refusal = token == null ? "the X-Gitlab-Token header is missing; set the webhook's secret token for"
                : "X-Gitlab-Token does not match the webhook secret of any application registered for";
        return receiver.receive(PROVIDER, new Header("X-Gitlab-Event", event),
                new Header("Idempotency-Key (or X-Gitlab-Webhook-UUID, X-Gitlab-Event-UUID)", delivery), contentType,
                body, GitLabWebhookResource::parse, secret -> token != null && MessageDigest.isEqual(
                        token.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8)), refusal);
    }

    static ParsedDelivery parse(String event, String delivery, JsonNode payload) {
        JsonNode project = payload.path("project");
        JsonNode repository = payload.path("repository");
        List<String> urls = new ArrayList<>();
        for (JsonNode node : List.of(project, repository)) {
            for (String field : List.of("git_http_url", "git_ssh_url", "web_url", "http_url", "homepage", "url")) {
                urls.add(node.path(field).asText(null));
            }
        }
        JsonNode attributes = payload.path("object_attributes");
        return new ParsedDelivery(PROVIDER, delivery, event, attributes.path("action").asText(null),
                project.path("path_with_namespace").asText(project.path("web_url").asText("(no project)")), urls,
                gitEvent(event, payload, attributes));
    }

    private static GitEvent gitEvent(String event, JsonNode payload, JsonNode attributes) {
        switch (event) {
            case "Push Hook" -> {
                String ref = WebhookBodies.required(payload, "ref", "ref");
                String branch = ref.replaceFirst("^refs/heads/", "");
                String after = payload.path("after").asText(ZERO_SHA);
                return ZERO_SHA.equals(after) ? new GitEvent.BranchDeleted(branch) : new GitEvent.Push(branch, after);
            }
            case "Tag Push Hook" -> {
                return new GitEvent.Ignored("tag push to " + payload.path("ref").asText("?")
                        + " is not acted on; only branches have environments");
            }
            case "Merge Request Hook" -> {
                String action = WebhookBodies.required(attributes, "action", "object_attributes.action");
                int number = attributes.path("iid").asInt(-1);
                if (number < 0) {
                    throw new MalformedPayloadException("the payload has no object_attributes.iid");
                }
                return switch (action) {
                    case "open", "reopen", "update" -> new GitEvent.PullRequestHead(number,
                            WebhookBodies.required(attributes, "source_branch", "object_attributes.source_branch"),
                            WebhookBodies.required(attributes.path("last_commit"), "id",
                                    "object_attributes.last_commit.id"), action,
                            // a payload that does not name both projects counts as a fork's
                            !attributes.has("source_project_id") || !attributes.has("target_project_id")
                                    || attributes.path("source_project_id").asLong()
                                            != attributes.path("target_project_id").asLong(),
                            WebhookBodies.names(payload.path("labels"), "title"));
                    case "close" -> new GitEvent.PullRequestClosed(number, false);
                    case "merge" -> new GitEvent.PullRequestClosed(number, true);
                    default -> new GitEvent.Ignored("merge request action '" + action
                            + "' is not acted on; acted on: open, reopen, update, close, merge");
                };
            }
            default -> {
                return new GitEvent.Ignored("event '" + event
                        + "' is not acted on; acted on: Push Hook, Tag Push Hook, Merge Request Hook");
            }
        }
    }
}
