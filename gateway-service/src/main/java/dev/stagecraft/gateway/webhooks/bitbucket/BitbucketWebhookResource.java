package dev.stagecraft.gateway.webhooks.bitbucket;

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
import dev.stagecraft.gateway.webhooks.HmacSignature;
import dev.stagecraft.gateway.webhooks.MalformedPayloadException;
import dev.stagecraft.gateway.webhooks.ParsedDelivery;
import dev.stagecraft.gateway.webhooks.WebhookBodies;
import dev.stagecraft.gateway.webhooks.WebhookReceiver;
import dev.stagecraft.gateway.webhooks.WebhookReceiver.Header;

/**
 * Receives Bitbucket Cloud deliveries: repo:push, pullrequest:created, updated, fulfilled (merged), rejected
 * (declined). X-Hub-Signature ({@code sha256=} HMAC of the raw body under the webhook secret) is verified in constant
 * time; deliveries are deduplicated on X-Request-UUID.
 */
@Path("/webhooks/bitbucket")
public class BitbucketWebhookResource {

    static final String PROVIDER = "bitbucket";

    @Inject
    WebhookReceiver receiver;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("X-Event-Key") String event, @HeaderParam("X-Request-UUID") String delivery,
            @HeaderParam("X-Hub-Signature") String signature, @HeaderParam("Content-Type") String contentType,
            byte[] body) {
        String refusal = signature == null
                ? "the X-Hub-Signature header is missing; set the webhook's secret, which Stagecraft requires, for"
                : "X-Hub-Signature does not match the HMAC-SHA256 of the body under the webhook secret of any"
                        + " application registered for";
        return receiver.receive(PROVIDER, new Header("X-Event-Key", event), new Header("X-Request-UUID", delivery),
                contentType, body, BitbucketWebhookResource::parse,
                secret -> HmacSignature.matches(secret, body, signature), refusal);
    }

    static ParsedDelivery parse(String event, String delivery, JsonNode payload) {
        JsonNode repo = payload.path("repository");
        String fullName = repo.path("full_name").asText(null);
        List<String> urls = new ArrayList<>();
        urls.add(repo.path("links").path("html").path("href").asText(null));
        if (fullName != null) {
            urls.add("https://bitbucket.org/" + fullName);
        }
        JsonNode pr = payload.path("pullrequest");
        return new ParsedDelivery(PROVIDER, delivery, event, null, fullName == null ? "(no repository)" : fullName, urls,
                gitEvent(event, payload, pr));
    }

    private static GitEvent gitEvent(String event, JsonNode payload, JsonNode pr) {
        switch (event) {
            case "repo:push" -> {
                List<GitEvent> events = new ArrayList<>();
                for (JsonNode change : payload.path("push").path("changes")) {
                    JsonNode target = change.path("new");
                    JsonNode old = change.path("old");
                    if (!target.isMissingNode() && !target.isNull()) {
                        if ("branch".equals(target.path("type").asText())) {
                            events.add(new GitEvent.Push(WebhookBodies.required(target, "name", "push.changes[].new.name"),
                                    WebhookBodies.required(target.path("target"), "hash",
                                            "push.changes[].new.target.hash")));
                        }
                    } else if ("branch".equals(old.path("type").asText())) {
                        events.add(new GitEvent.BranchDeleted(old.path("name").asText()));
                    }
                }
                return new GitEvent.Batch(events);
            }
            case "pullrequest:created", "pullrequest:updated" -> {
                return new GitEvent.PullRequestHead(number(pr),
                        WebhookBodies.required(pr.path("source").path("branch"), "name",
                                "pullrequest.source.branch.name"),
                        WebhookBodies.required(pr.path("source").path("commit"), "hash",
                                "pullrequest.source.commit.hash"), event, fromFork(pr), null);
            }
            case "pullrequest:fulfilled" -> {
                return new GitEvent.PullRequestClosed(number(pr), true);
            }
            case "pullrequest:rejected" -> {
                return new GitEvent.PullRequestClosed(number(pr), false);
            }
            default -> {
                return new GitEvent.Ignored("event '" + event + "' is not acted on; acted on: repo:push, "
                        + "pullrequest:created, pullrequest:updated, pullrequest:fulfilled, pullrequest:rejected");
            }
        }
    }

    /** A source in another repository than the destination, or one the payload does not name: a fork. */
    private static boolean fromFork(JsonNode pr) {
        String source = pr.path("source").path("repository").path("full_name").asText(null);
        String destination = pr.path("destination").path("repository").path("full_name").asText(null);
        return source == null || destination == null || !source.equals(destination);
    }

    private static int number(JsonNode pr) {
        int id = pr.path("id").asInt(-1);
        if (id < 0) {
            throw new MalformedPayloadException("the payload has no pullrequest.id");
        }
        return id;
    }
}
