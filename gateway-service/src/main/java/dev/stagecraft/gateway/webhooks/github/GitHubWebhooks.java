package dev.stagecraft.gateway.webhooks.github;

import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentProcess;
import dev.stagecraft.gateway.webhooks.Delivery;
import dev.stagecraft.gateway.webhooks.WebhookResponse;

/**
 * Turns verified GitHub deliveries into environment changes: a PR opened or reopened gets an ephemeral environment,
 * a push to a branch with environments sets their desired commit, a PR closed or a branch deleted tears down.
 * The delivery record and its effects commit together, so a delivery is applied once.
 */
@ApplicationScoped
public class GitHubWebhooks {

    static final String PROVIDER = "github";
    private static final String ZERO_SHA = "0000000000000000000000000000000000000000";

    @Inject
    EnvironmentProcess process;

    public WebhookResponse handle(String event, String deliveryId, String signature, byte[] body, JsonNode payload) {
        try {
            return ConflictRetry.inTransaction(() -> handleInTransaction(event, deliveryId, signature, body, payload));
        } catch (RuntimeException e) {
            if (isUniqueViolation(e)) {
                throw new DuplicateDeliveryException(deliveryId);
            }
            throw e;
        }
    }

    private WebhookResponse handleInTransaction(String event, String deliveryId, String signature, byte[] body,
            JsonNode payload) {
        JsonNode repo = payload.path("repository");
        List<Application> candidates = candidates(repo);
        Delivery delivery = new Delivery();
        delivery.id = deliveryId;
        delivery.provider = PROVIDER;
        delivery.event = event;
        delivery.action = payload.path("action").asText(null);
        delivery.repository = repo.path("full_name").asText(repo.path("html_url").asText(null));
        delivery.receivedAt = OffsetDateTime.now();
        if (candidates.isEmpty()) {
            if (Delivery.findById(deliveryId) != null) {
                throw new DuplicateDeliveryException(deliveryId);
            }
            return record(delivery, Delivery.Outcome.IGNORED,
                    "no application is registered for repository " + describe(repo), null);
        }
        List<Application> apps = candidates.stream()
                .filter(app -> GitHubSignature.matches(app.webhookSecret, body, signature)).toList();
        if (apps.isEmpty()) {
            throw new BadSignatureException(signature == null
                    ? "the X-Hub-Signature-256 header is missing; GitHub sends it when the webhook has a secret"
                    : "X-Hub-Signature-256 does not match the HMAC-SHA256 of the body under the webhook secret of any "
                            + "application registered for " + describe(repo));
        }
        if (Delivery.findById(deliveryId) != null) {
            throw new DuplicateDeliveryException(deliveryId);
        }
        delivery.applicationId = apps.get(0).id;
        List<String> touched = new ArrayList<>();
        String ignoredReason = null;
        for (Application app : apps) {
            Result result = apply(app, event, payload, deliveryId);
            touched.addAll(result.environments());
            if (result.ignoredReason() != null) {
                ignoredReason = result.ignoredReason();
            }
        }
        if (touched.isEmpty()) {
            return record(delivery, Delivery.Outcome.IGNORED, ignoredReason, null);
        }
        return record(delivery, Delivery.Outcome.ACCEPTED, null, touched.get(0));
    }

    private Result apply(Application app, String event, JsonNode payload, String deliveryId) {
        return switch (event) {
            case "ping" -> Result.ignored("ping received; the webhook works");
            case "push" -> push(app, payload, deliveryId);
            case "pull_request" -> pullRequest(app, payload, deliveryId);
            case "delete" -> delete(app, payload, deliveryId);
            default -> Result.ignored("event '" + event + "' is not acted on; acted on: ping, push, pull_request, delete");
        };
    }

    private Result push(Application app, JsonNode payload, String deliveryId) {
        String ref = required(payload, "ref");
        if (!ref.startsWith("refs/heads/")) {
            return Result.ignored("push to " + ref + " is not a branch; only branches have environments");
        }
        String branch = ref.substring("refs/heads/".length());
        String after = payload.path("after").asText(ZERO_SHA);
        List<Environment> envs = Environment.liveForBranch(app.id, branch);
        if (envs.isEmpty()) {
            return Result.ignored("no environment of application '" + app.name + "' follows branch " + branch);
        }
        List<String> ids = new ArrayList<>();
        for (Environment env : envs) {
            if (payload.path("deleted").asBoolean(false) || ZERO_SHA.equals(after)) {
                process.teardown(env, "branch " + branch + " was deleted", deliveryId);
            } else {
                process.deploy(env, after, deliveryId);
            }
            ids.add(env.id);
        }
        return Result.of(ids);
    }

    private Result pullRequest(Application app, JsonNode payload, String deliveryId) {
        String action = required(payload, "action");
        JsonNode pr = payload.path("pull_request");
        int number = payload.path("number").asInt(pr.path("number").asInt(-1));
        if (number < 0) {
            throw new MalformedPayloadException("pull_request payload has no number");
        }
        Environment env = Environment.liveForPullRequest(app.id, number);
        switch (action) {
            case "opened", "reopened", "synchronize" -> {
                String branch = requiredText(pr.path("head"), "ref", "pull_request.head.ref");
                String sha = requiredText(pr.path("head"), "sha", "pull_request.head.sha");
                if (env == null) {
                    env = process.create(app, Environment.Kind.EPHEMERAL, branch, number, deliveryId);
                }
                process.deploy(env, sha, deliveryId);
                return Result.of(List.of(env.id));
            }
            case "closed" -> {
                if (env == null) {
                    return Result.ignored("pull request #" + number + " has no environment");
                }
                boolean merged = pr.path("merged").asBoolean(false);
                process.teardown(env, "pull request #" + number + (merged ? " was merged" : " was closed"), deliveryId);
                return Result.of(List.of(env.id));
            }
            default -> {
                return Result.ignored("pull_request action '" + action
                        + "' is not acted on; acted on: opened, reopened, synchronize, closed");
            }
        }
    }

    private Result delete(Application app, JsonNode payload, String deliveryId) {
        String refType = payload.path("ref_type").asText("");
        if (!"branch".equals(refType)) {
            return Result.ignored("delete of a " + refType + " is not acted on; only branch deletes are");
        }
        String branch = required(payload, "ref");
        List<String> ids = new ArrayList<>();
        for (Environment env : Environment.liveForBranch(app.id, branch)) {
            process.teardown(env, "branch " + branch + " was deleted", deliveryId);
            ids.add(env.id);
        }
        return ids.isEmpty() ? Result.ignored("no environment of application '" + app.name + "' follows branch " + branch)
                : Result.of(ids);
    }

    private static List<Application> candidates(JsonNode repo) {
        Set<Application> apps = new LinkedHashSet<>();
        for (String field : List.of("clone_url", "html_url", "ssh_url", "git_url", "url")) {
            String url = repo.path(field).asText(null);
            if (url != null && !url.isBlank()) {
                apps.addAll(Application.forRepository(url));
            }
        }
        return List.copyOf(apps);
    }

    private static String describe(JsonNode repo) {
        return repo.path("full_name").asText(repo.path("html_url").asText("(payload names no repository)"));
    }

    private static String required(JsonNode payload, String field) {
        return requiredText(payload, field, field);
    }

    private static String requiredText(JsonNode node, String field, String path) {
        String value = node.path(field).asText(null);
        if (value == null || value.isBlank()) {
            throw new MalformedPayloadException("the payload has no " + path);
        }
        return value;
    }

    private static WebhookResponse record(Delivery delivery, Delivery.Outcome outcome, String reason, String environment) {
        delivery.outcome = outcome;
        delivery.reason = reason;
        delivery.environmentId = environment;
        delivery.persistAndFlush();
        return new WebhookResponse(delivery.id, outcome.name().toLowerCase(), reason, environment);
    }

    private static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private record Result(List<String> environments, String ignoredReason) {

        static Result of(List<String> environments) {
            return new Result(environments, null);
        }

        static Result ignored(String reason) {
            return new Result(List.of(), reason);
        }
    }
}
