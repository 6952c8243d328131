package dev.stagecraft.gateway.webhooks;

import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.narayana.jta.QuarkusTransaction;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentProcess;
import dev.stagecraft.gateway.environments.Quotas;
import dev.stagecraft.gateway.hosts.PullRequestCheck;

/**
 * Turns authenticated deliveries of any git host into environment changes: a pull request opened, reopened or
 * updated gets an ephemeral environment and its head deployed, a push to a branch with environments sets their
 * desired commit, a pull request closed or a branch deleted tears down. The delivery record and its effects commit
 * together, so a delivery is applied once.
 */
@ApplicationScoped
public class WebhookIntake {

    @Inject
    EnvironmentProcess process;

    @Inject
    Quotas quotas;

    @Inject
    ConflictRetry conflicts;

    @Inject
    PullRequestCheck pullRequests;

    @Inject
    RefusedDeliveries refusals;

    /**
     * @param authentic whether the delivery proves it comes from the host on behalf of {@code application}
     * @param authFailure what to tell the caller when no application accepts it
     * @throws BadSignatureException     when a registered application's repository is named but none accepts it
     * @throws DuplicateDeliveryException when the delivery id was recorded before
     */
    public WebhookResponse accept(ParsedDelivery parsed, Predicate<Application> authentic, String authFailure) {
        try {
            WebhookResponse response = conflicts.inTransaction(() -> acceptInTransaction(parsed, authentic,
                    authFailure));
            pullRequests.afterDeliveryFor(parsed.repositoryUrls());
            return response;
        } catch (DuplicateDeliveryException e) {
            recordDuplicate(parsed);
            throw e;
        } catch (RuntimeException e) {
            if (isUniqueViolation(e)) {
                recordDuplicate(parsed);
                throw new DuplicateDeliveryException(parsed.deliveryId());
            }
            throw e;
        }
    }

    /** A redelivery is listed too, under its own row that points at the first one; it changes nothing else. */
    private static void recordDuplicate(ParsedDelivery parsed) {
        String first = parsed.provider() + ":" + parsed.deliveryId();
        QuarkusTransaction.requiringNew().run(() -> {
            Delivery original = Delivery.findById(first);
            Delivery duplicate = new Delivery();
            duplicate.id = first + "#" + UUID.randomUUID().toString().substring(0, 8);
            duplicate.provider = parsed.provider();
            duplicate.event = parsed.event();
            duplicate.action = parsed.action();
            duplicate.repository = parsed.repository();
            duplicate.applicationId = original == null ? null : original.applicationId;
            duplicate.environmentId = original == null ? null : original.environmentId;
            duplicate.outcome = Delivery.Outcome.DUPLICATE;
            duplicate.reason = "delivery " + first + " was received before"
                    + (original == null ? "" : " at " + original.receivedAt) + "; nothing was done again";
            duplicate.receivedAt = OffsetDateTime.now();
            duplicate.persist();
        });
    }

    private WebhookResponse acceptInTransaction(ParsedDelivery parsed, Predicate<Application> authentic,
            String authFailure) {
        List<Application> candidates = Application.forRepositories(parsed.repositoryUrls());
        String id = parsed.provider() + ":" + parsed.deliveryId();
        Delivery delivery = new Delivery();
        delivery.id = id;
        delivery.provider = parsed.provider();
        delivery.event = parsed.event();
        delivery.action = parsed.action();
        delivery.repository = parsed.repository();
        delivery.receivedAt = OffsetDateTime.now();
        if (candidates.isEmpty()) {
            // not stored: anyone can send these (see RefusedDeliveries)
            String reason = "no application is registered for repository " + parsed.repository();
            refusals.refused(parsed.provider(), RefusedDeliveries.UNKNOWN_REPOSITORY, reason);
            return new WebhookResponse(parsed.deliveryId(), "ignored", reason, null);
        }
        List<Application> apps = candidates.stream().filter(authentic).toList();
        if (apps.isEmpty()) {
            String reason = authFailure + " " + parsed.repository();
            refusals.refused(parsed.provider(), RefusedDeliveries.BAD_SIGNATURE, reason);
            throw new BadSignatureException(reason);
        }
        // a delivery seen before fails when its record is flushed (unique id) and rolls back what it did: no query
        // ahead of it for the rare duplicate
        delivery.applicationId = apps.get(0).id;
        List<String> touched = new ArrayList<>();
        String ignoredReason = null;
        for (Application app : apps) {
            Result result = apply(app, parsed.gitEvent(), id);
            touched.addAll(result.environments());
            if (result.ignoredReason() != null) {
                ignoredReason = result.ignoredReason();
            }
        }
        if (touched.isEmpty()) {
            return record(delivery, parsed, Delivery.Outcome.IGNORED, ignoredReason, null);
        }
        return record(delivery, parsed, Delivery.Outcome.ACCEPTED, null, touched.get(0));
    }

    private Result apply(Application app, GitEvent event, String causationId) {
        if (event instanceof GitEvent.Batch batch) {
            List<String> touched = new ArrayList<>();
            String reason = batch.events().isEmpty() ? "the delivery changes no branch" : null;
            for (GitEvent each : batch.events()) {
                Result r = apply(app, each, causationId);
                touched.addAll(r.environments());
                reason = r.ignoredReason() != null ? r.ignoredReason() : reason;
            }
            return touched.isEmpty() ? Result.ignored(reason) : Result.of(touched);
        }
        if (event instanceof GitEvent.Ping) {
            return Result.ignored("ping received; the webhook works");
        }
        if (event instanceof GitEvent.Ignored ignored) {
            return Result.ignored(ignored.reason());
        }
        ApplicationSettings settings = ApplicationSettings.of(app);
        if (event instanceof GitEvent.Push push) {
            // environments of other applications that import this one at that branch are built again and patched
            List<Environment> importing = Environment.importing(app.name, push.branch());
            importing.forEach(env -> process.importsMoved(env, causationId));
            List<Environment> envs = Environment.liveForBranch(app.id, push.branch());
            if (envs.isEmpty() && !importing.isEmpty()) {
                return Result.of(importing.stream().map(e -> e.id).toList());
            }
            Environment created = envs.isEmpty() && push.branch().equals(settings.trackingBranch())
                    ? process.create(app, Environment.Kind.PERMANENT, push.branch(), null, causationId) : null;
            if (created != null) {
                envs = List.of(created);
            }
            if (envs.isEmpty()) {
                return Result.ignored("no environment of application '" + app.name + "' follows branch " + push.branch());
            }
            if (!settings.autoDeploy()) {
                return Result.ignored("auto_deploy is off for application '" + app.name
                        + "': deploy from the API (POST /api/environments/{id}/deploy)");
            }
            envs.forEach(env -> {
                if (env == created) {
                    quotas.admit(env, push.after(), causationId); // a new environment starts only within the limits
                } else {
                    process.deploy(env, push.after(), causationId);
                }
            });
            List<String> touched = new ArrayList<>(envs.stream().map(e -> e.id).toList());
            importing.forEach(e -> touched.add(e.id));
            return Result.of(touched);
        }
        if (event instanceof GitEvent.BranchDeleted deleted) {
            List<Environment> envs = Environment.liveForBranch(app.id, deleted.branch());
            if (envs.isEmpty()) {
                return Result.ignored("no environment of application '" + app.name + "' follows branch "
                        + deleted.branch());
            }
            envs.forEach(env -> process.teardown(env, "branch " + deleted.branch() + " was deleted", causationId));
            return Result.of(envs.stream().map(e -> e.id).toList());
        }
        if (event instanceof GitEvent.PullRequestHead head) {
            Environment env = Environment.liveForPullRequest(app.id, head.number());
            String label = settings.pullRequestLabel();
            if (label != null && head.labels() != null && !head.labels().contains(label)) {
                if (env == null) {
                    return Result.ignored("pull request #" + head.number() + " does not carry the label '" + label
                            + "' that application '" + app.name + "' deploys");
                }
                process.teardown(env, "pull request #" + head.number() + " no longer carries the label '" + label + "'",
                        causationId);
                return Result.of(List.of(env.id));
            }
            if (env == null && !settings.autoDeploy()) {
                return Result.ignored("auto_deploy is off for application '" + app.name
                        + "': create the environment from the API");
            }
            boolean created = env == null;
            if (created) {
                env = process.create(app, Environment.Kind.EPHEMERAL, head.branch(), head.number(), causationId);
            }
            env.fromFork = env.fromFork || head.fromFork();
            if (created) {
                quotas.admit(env, head.sha(), causationId); // a new environment starts only within the limits
            } else {
                process.deploy(env, head.sha(), causationId);
            }
            return Result.of(List.of(env.id));
        }
        GitEvent.PullRequestClosed closed = (GitEvent.PullRequestClosed) event;
        Environment env = Environment.liveForPullRequest(app.id, closed.number());
        if (env == null) {
            return Result.ignored("pull request #" + closed.number() + " has no environment that is not already being"
                    + " torn down");
        }
        process.teardown(env, "pull request #" + closed.number() + (closed.merged() ? " was merged" : " was closed"),
                causationId);
        return Result.of(List.of(env.id));
    }

    private static WebhookResponse record(Delivery delivery, ParsedDelivery parsed, Delivery.Outcome outcome,
            String reason, String environment) {
        delivery.outcome = outcome;
        delivery.reason = reason;
        delivery.environmentId = environment;
        delivery.persistAndFlush();
        return new WebhookResponse(parsed.deliveryId(), outcome.name().toLowerCase(), reason, environment);
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
