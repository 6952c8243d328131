package dev.stagecraft.gateway.webhooks.github;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.gateway.webhooks.GitEvent;
import dev.stagecraft.gateway.webhooks.MalformedPayloadException;
import dev.stagecraft.gateway.webhooks.ParsedDelivery;
import dev.stagecraft.gateway.webhooks.WebhookBodies;

/** Reads GitHub deliveries: ping, push, pull_request (opened, reopened, synchronize, closed) and delete. */
final class GitHubEvents {

    static final String PROVIDER = "github";
    private static final String ZERO_SHA = "0000000000000000000000000000000000000000";

    private GitHubEvents() {
    }

    static ParsedDelivery parse(String event, String deliveryId, JsonNode payload) {
        JsonNode repo = payload.path("repository");
        List<String> urls = new ArrayList<>();
        for (String field : List.of("clone_url", "html_url", "ssh_url", "git_url", "url")) {
            urls.add(repo.path(field).asText(null));
        }
        return new ParsedDelivery(PROVIDER, deliveryId, event, payload.path("action").asText(null),
                repo.path("full_name").asText(repo.path("html_url").asText("(no repository)")), urls,
                gitEvent(event, payload));
    }

    private static GitEvent gitEvent(String event, JsonNode payload) {
        return switch (event) {
            case "ping" -> new GitEvent.Ping();
            case "push" -> push(payload);
            case "pull_request" -> pullRequest(payload);
            case "delete" -> "branch".equals(payload.path("ref_type").asText(""))
                    ? new GitEvent.BranchDeleted(WebhookBodies.required(payload, "ref", "ref"))
                    : new GitEvent.Ignored("delete of a " + payload.path("ref_type").asText("ref")
                            + " is not acted on; only branch deletes are");
            default -> new GitEvent.Ignored("event '" + event
                    + "' is not acted on; acted on: ping, push, pull_request, delete");
        };
    }

    private static GitEvent push(JsonNode payload) {
        String ref = WebhookBodies.required(payload, "ref", "ref");
        if (!ref.startsWith("refs/heads/")) {
            return new GitEvent.Ignored("push to " + ref + " is not a branch; only branches have environments");
        }
        String branch = ref.substring("refs/heads/".length());
        String after = payload.path("after").asText(ZERO_SHA);
        if (payload.path("deleted").asBoolean(false) || ZERO_SHA.equals(after)) {
            return new GitEvent.BranchDeleted(branch);
        }
        return new GitEvent.Push(branch, after);
    }

    /** A head in another repository than the base, or one the payload does not name (a deleted fork): a fork. */
    private static boolean fromFork(JsonNode pr) {
        String head = pr.path("head").path("repo").path("full_name").asText(null);
        String base = pr.path("base").path("repo").path("full_name").asText(null);
        return head == null || base == null || !head.equals(base);
    }

    private static GitEvent pullRequest(JsonNode payload) {
        String action = WebhookBodies.required(payload, "action", "action");
        JsonNode pr = payload.path("pull_request");
        int number = payload.path("number").asInt(pr.path("number").asInt(-1));
        if (number < 0) {
            throw new MalformedPayloadException("the pull_request payload has no number");
        }
        return switch (action) {
            case "opened", "reopened", "synchronize", "labeled", "unlabeled" -> new GitEvent.PullRequestHead(number,
                    WebhookBodies.required(pr.path("head"), "ref", "pull_request.head.ref"),
                    WebhookBodies.required(pr.path("head"), "sha", "pull_request.head.sha"), action, fromFork(pr),
                    WebhookBodies.names(pr.path("labels"), "name"));
            case "closed" -> new GitEvent.PullRequestClosed(number, pr.path("merged").asBoolean(false));
            default -> new GitEvent.Ignored("pull_request action '" + action
                    + "' is not acted on; acted on: opened, reopened, synchronize, labeled, unlabeled, closed");
        };
    }
}
