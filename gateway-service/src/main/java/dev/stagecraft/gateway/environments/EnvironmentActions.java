package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.git.RemoteRefs;
import dev.stagecraft.gateway.hosts.PullRequestCheck;
import dev.stagecraft.template.ApplicationTemplateParser;
import dev.stagecraft.template.yaml.Problems;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The actions people take on environments, whether they click in the UI (HTTP) or the UI publishes them on
 * {@code stagecraft.ui.commands}: the same validation, the same rules, the actor recorded on the timeline. Each
 * throws {@link ApiException} naming what was wrong.
 */
@ApplicationScoped
public class EnvironmentActions {

    @Inject
    Clock clock;

    /** Who asked, and how: "http", "kafka:<principal>" or "schedule". */
    public record Actor(String name, String via) {

        /** The pause schedule, acting on its own. */
        public static final Actor SCHEDULE = new Actor("pause schedule", "schedule");

        /** The application's idle timeout: no request reached the environment for that long. */
        public static final Actor IDLE = new Actor("idle timeout", "router");

        /** A request to a sleeping environment's host name, through the router. */
        public static final Actor REQUEST = new Actor("request", "router");
    }

    @Inject
    Timeline timeline;

    @Inject
    EnvironmentProcess process;

    @Inject
    RemoteRefs remoteRefs;

    @Inject
    PullRequestCheck pullRequests;

    @Inject
    GatewayConfig config;

    @Inject
    Quotas quotas;

    /**
     * Creates an environment for a branch of an application, of {@code kind} permanent or ephemeral (default:
     * permanent for its tracking branch, ephemeral with the usual expiry otherwise); deploys {@code commit} or the
     * branch's head.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment create(String application, String branch, String commit, String kind, Actor actor) {
        if (application == null || application.isBlank()) {
            throw ApiException.badRequest("application is required (its name or id)");
        }
        if (branch == null || branch.isBlank() || branch.length() > 255) {
            throw ApiException.badRequest("branch is required (a branch name of at most 255 characters)");
        }
        Application app = Application.find("name = ?1 or id = ?1", application).firstResult();
        if (app == null) {
            throw ApiException.notFound("application", application);
        }
        Environment existing = Environment.find("applicationId = ?1 and branch = ?2 and pullRequest is null and state <> ?3",
                app.id, branch, EnvironmentState.DELETED).firstResult();
        if (existing != null) {
            throw new ApiException(409, "conflict", "branch '" + branch + "' of application '" + app.name
                    + "' already has environment '" + existing.id + "'; deploy that one");
        }
        Environment.Kind chosen;
        if (kind == null) {
            String tracking = ApplicationTemplateParser.parse(app.template, null, new Problems())
                    .map(t -> t.trackingBranch()).orElse(null);
            chosen = branch.equals(tracking) ? Environment.Kind.PERMANENT : Environment.Kind.EPHEMERAL;
        } else if (kind.equalsIgnoreCase("permanent") || kind.equalsIgnoreCase("ephemeral")) {
            chosen = Environment.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
        } else {
            throw ApiException.badRequest("kind '" + kind + "' is not accepted; use ephemeral or permanent");
        }
        String sha = commit(commit, app, branch);
        Environment env = process.create(app, chosen, branch, null, null);
        record(env, "create", actor, Map.of("branch", branch, "commit", sha));
        quotas.admit(env, sha, null);
        return env;
    }

    /** Deploys {@code commit}, or the head of the environment's branch. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment deploy(String id, String commit, Actor actor) {
        Environment env = find(id);
        requireAlive(env);
        String sha = commit(commit, Application.findById(env.applicationId), env.branch);
        record(env, "deploy", actor, Map.of("commit", sha));
        process.deploy(env, sha, null);
        pullRequests.afterDeployOf(env.applicationId);
        return env;
    }

    /** Re-runs setup with the application's current templates; refused while a workflow runs. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment setup(String id, Actor actor) {
        Environment env = find(id);
        requireAlive(env);
        if (env.activeWorkflowId != null) {
            throw new ApiException(409, "workflow_running", "environment '" + id + "' is " + env.state
                    + "; re-run setup when its workflow has ended");
        }
        if (env.state.paused()) {
            throw new ApiException(409, "paused", "environment '" + id + "' is " + env.state
                    + "; resume it (POST /api/environments/" + id + "/resume), then re-run setup");
        }
        if (env.state == EnvironmentState.QUEUED) {
            throw new ApiException(409, "queued", "environment '" + id + "' is QUEUED (position "
                    + Quotas.queuePosition(env) + "): nothing of it exists yet; its first deploy, once it leaves the"
                    + " queue, is a setup");
        }
        record(env, "setup", actor, Map.of());
        process.rerunSetup(env, Application.findById(env.applicationId), null);
        return env;
    }

    /**
     * Lets a pull request from a fork build and deploy {@code commit}, the commit the deployer reviewed: it must be the
     * one the environment awaits approval of (its full id, or at least 7 of its first characters), so a push that
     * lands while the deployer reads is never approved unseen.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment approve(String id, String commit, Actor actor) {
        Environment env = find(id);
        if (!env.awaitingApproval) {
            throw new ApiException(409, "not_awaiting_approval", "environment '" + id
                    + "' is not a fork's pull request awaiting approval");
        }
        if (commit == null || commit.isBlank()) {
            throw new ApiException(400, "commit_required", "an approval names the commit that was reviewed, as"
                    + " {\"commit\": \"<id>\"}: environment '" + id + "' awaits approval of " + env.desiredCommit);
        }
        String reviewed = commit.trim().toLowerCase(Locale.ROOT);
        if (reviewed.length() < 7 || !env.desiredCommit.startsWith(reviewed)) {
            throw new ApiException(409, "commit_changed", "environment '" + id + "' awaits approval of "
                    + env.desiredCommit + ", not of '" + commit + "': the pull request changed since it was reviewed,"
                    + " or the id is shorter than 7 characters; review " + env.desiredCommit + " and approve that");
        }
        record(env, "approve", actor, Map.of("commit", env.desiredCommit));
        process.approve(env, null);
        return env;
    }

    /**
     * Pushes the expiry of an ephemeral environment back by {@code by} (ISO-8601, default the installation's TTL),
     * never beyond {@code stagecraft.environments.max-ttl} from now.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment extend(String id, String by, Actor actor) {
        Environment env = find(id);
        requireAlive(env);
        if (env.kind == Environment.Kind.PERMANENT) {
            throw new ApiException(409, "never_expires", "environment '" + id + "' is permanent and never expires");
        }
        Duration duration = config.environments().ephemeralTtl();
        if (by != null) {
            try {
                duration = Duration.parse(by);
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("by '" + by + "' is not an ISO-8601 duration such as PT12H or P2D");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw ApiException.badRequest("by must be a positive duration, found " + by);
            }
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime from = env.expiresAt == null || env.expiresAt.isBefore(now) ? now : env.expiresAt;
        OffsetDateTime latest = now.plus(config.environments().maxTtl());
        env.expiresAt = from.plus(duration).isAfter(latest) ? latest : from.plus(duration);
        env.updatedAt = now;
        record(env, "extend", actor, Map.of("expiresAt", env.expiresAt.toString()));
        return env;
    }

    /**
     * Pauses the environment: its services stop and everything else stays; a push meanwhile becomes the desired
     * commit, deployed after the resume, and the expiry still applies. Only READY environments with nothing running,
     * and only ephemeral ones unless {@code stagecraft.environments.pause-permanent} allows permanent ones too.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment pause(String id, Actor actor) {
        Environment env = find(id);
        if (env.kind == Environment.Kind.PERMANENT && !config.environments().pausePermanent()) {
            throw new ApiException(409, "permanent", "environment '" + id + "' is permanent: only ephemeral"
                    + " environments pause (set stagecraft.environments.pause-permanent=true to allow permanent ones)");
        }
        if (env.state == EnvironmentState.PAUSED || env.state == EnvironmentState.PAUSING) {
            if (actor != Actor.SCHEDULE && ("schedule".equals(env.pausedBy) || "idle".equals(env.pausedBy))) {
                env.pausedBy = "manual"; // a person's pause now: neither the schedule nor a request resumes it
                record(env, "pause", actor, Map.of());
            }
            return env;
        }
        if (env.state != EnvironmentState.READY || env.activeWorkflowId != null) {
            throw new ApiException(409, "not_ready", "environment '" + id + "' is " + env.state
                    + "; only a READY environment with no workflow running can be paused");
        }
        record(env, "pause", actor, Map.of());
        if (process.pause(env, null)) {
            env.pausedBy = actor == Actor.SCHEDULE ? "schedule" : "manual";
        }
        return env;
    }

    /**
     * Puts a READY environment with nothing running to sleep, its application's idle timeout having passed with no
     * request for {@code idleFor}: a pause whose host names stay on the router, routed to the wake endpoint (the
     * pause request carries its address). False when it is no longer READY and idle, or it may not pause.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean sleep(String id, Duration idleFor) {
        Environment env = Environment.findById(id);
        if (env == null || env.state != EnvironmentState.READY || env.activeWorkflowId != null
                || env.kind == Environment.Kind.PERMANENT && !config.environments().pausePermanent()) {
            return false;
        }
        env.pausedBy = "idle"; // before the pause is sent: it makes the pause a sleep
        record(env, "sleep", Actor.IDLE, Map.of("idleFor", idleFor.toString()));
        if (!process.pause(env, null)) {
            env.pausedBy = null;
            return false;
        }
        return true;
    }

    /**
     * Wakes a sleeping environment for a request to {@code host}: resumes it when it sleeps because it was idle and
     * its application's limits leave room (else {@link ApiException} 409 {@code limit_reached}, as for a resume).
     * False when it does not sleep (any more): a person or the schedule paused it, or it is already waking or awake.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean wake(String id, String host) {
        Environment env = Environment.findById(id);
        if (env == null || env.state != EnvironmentState.PAUSED || !"idle".equals(env.pausedBy)) {
            return false;
        }
        String full = quotas.roomToResume(env);
        if (full != null) {
            throw new ApiException(409, "limit_reached", "environment '" + id + "' cannot wake: " + full);
        }
        record(env, "wake", Actor.REQUEST, Map.of("host", host == null ? "" : host));
        return process.resume(env, null);
    }

    /**
     * Resumes a paused environment with the commit it had; one whose pause or resume failed is resumed again. A
     * commit pushed while it was paused is built and deployed once it is READY.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment resume(String id, Actor actor) {
        Environment env = find(id);
        if (env.state == EnvironmentState.RESUMING) {
            return env;
        }
        if (actor == Actor.SCHEDULE && !"schedule".equals(env.pausedBy)) {
            return env; // a person paused it since the schedule looked: only a person resumes it
        }
        if (env.state != EnvironmentState.PAUSED && !failedPauseOrResume(env)) {
            throw new ApiException(409, "not_paused", "environment '" + id + "' is " + env.state
                    + "; only a PAUSED environment, or one whose pause or resume failed, can be resumed");
        }
        if (env.state == EnvironmentState.PAUSED) {
            String full = quotas.roomToResume(env);
            if (full != null) {
                throw new ApiException(409, "limit_reached", "environment '" + id + "' cannot resume: " + full
                        + "; pause or delete another environment, or raise the limit (PUT /api/applications/"
                        + env.applicationId + "/limits)");
            }
        }
        record(env, "resume", actor, Map.of());
        if (process.resume(env, null)) {
            env.pausedBy = null;
            // resumed by a person inside a pause window: the schedule leaves it running until the window ends
            PauseSchedule schedule = actor == Actor.SCHEDULE ? null : PauseSchedule.of(env,
                    Application.<Application>findById(env.applicationId).pauseSchedule);
            Instant now = clock.instant();
            env.scheduleSkipUntil = schedule != null && schedule.pausedAt(now)
                    ? schedule.windowEnd(now).atOffset(java.time.ZoneOffset.UTC) : null;
        }
        return env;
    }

    /**
     * Sets the environment's own pause schedule, which wins over its application's: {@code schedule}, or none at all
     * when it is null and {@code inherit} is false; with {@code inherit}, the application's applies again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment schedule(String id, PauseSchedule schedule, boolean inherit, Actor actor) {
        Environment env = find(id);
        requireAlive(env);
        if (schedule != null && env.kind == Environment.Kind.PERMANENT && !config.environments().pausePermanent()) {
            throw new ApiException(409, "permanent", "environment '" + id + "' is permanent: only ephemeral"
                    + " environments pause (set stagecraft.environments.pause-permanent=true to allow permanent ones)");
        }
        env.pauseScheduleSet = !inherit;
        env.pauseSchedule = inherit || schedule == null ? null : schedule.json();
        env.scheduleSkipUntil = null;
        env.updatedAt = OffsetDateTime.now(clock);
        record(env, "schedule", actor, Map.of("pauseSchedule", inherit ? "the application's"
                : schedule == null ? "none" : schedule.json()));
        return env;
    }

    /** Tears the environment down; a teardown that failed is requested again; a deleted one stays as it is. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment delete(String id, Actor actor) {
        Environment env = find(id);
        if (env.state == EnvironmentState.DELETED) {
            return env;
        }
        record(env, "delete", actor, Map.of());
        process.retryTeardown(env, "deleted by " + actor.name(), null);
        return env;
    }

    /**
     * The commit a create of an environment of {@code application} on {@code branch} deploys: {@code given}, or the
     * branch's head asked of the git host. Called before the action's transaction: no network call happens inside
     * one, and a retry after a conflict repeats only the database work. Null when the application is unknown (the
     * action then says so).
     */
    @Transactional(Transactional.TxType.NEVER)
    public String commitToCreate(String application, String branch, String given) {
        if (given != null || application == null || branch == null || branch.isBlank()) {
            return given;
        }
        String url = QuarkusTransaction.requiringNew().call(() -> {
            Application app = Application.find("name = ?1 or id = ?1", application).firstResult();
            return app == null ? null : app.repositoryUrl;
        });
        return url == null ? null : remoteRefs.head(url, branch);
    }

    /** The commit a deploy of environment {@code id} deploys, resolved as {@link #commitToCreate} says. */
    @Transactional(Transactional.TxType.NEVER)
    public String commitToDeploy(String id, String given) {
        if (given != null) {
            return given;
        }
        String[] where = QuarkusTransaction.requiringNew().call(() -> {
            Environment env = Environment.findById(id);
            // unknown or going: the action answers 404 or 409 without asking the git host anything
            Application app = env == null || !env.state.alive() ? null : Application.findById(env.applicationId);
            return app == null ? null : new String[] {app.repositoryUrl, env.branch};
        });
        return where == null ? null : remoteRefs.head(where[0], where[1]);
    }

    private String commit(String given, Application app, String branch) {
        if (given == null) {
            // resolved before the transaction (commitToCreate, commitToDeploy); none: the application or environment
            // was not there yet when it was resolved
            throw new ApiException(409, "branch_head_unknown", "the head of branch '" + branch + "' of "
                    + app.repositoryUrl + " could not be resolved; try again or name the commit");
        }
        if (!given.matches("[0-9a-f]{40}")) {
            throw ApiException.badRequest("commit '" + given + "' is not a full 40-character hexadecimal SHA-1");
        }
        return given;
    }

    private void record(Environment env, String action, Actor actor, Map<String, String> details) {
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("action", action);
        detail.put("actor", actor.name());
        detail.put("via", actor.via());
        detail.putAll(details);
        timeline.record(env.id, null, null, MessageType.ENVIRONMENT_ACTION_REQUESTED.ceType(), true,
                EventJson.write(detail));
    }

    /** Whether the environment is FAILED because its last workflow, a pause or a resume, failed. */
    private static boolean failedPauseOrResume(Environment env) {
        if (env.state != EnvironmentState.FAILED || env.activeWorkflowId != null || env.deployedCommit == null) {
            return false;
        }
        List<Workflow> workflows = Workflow.ofEnvironment(env.id);
        Workflow last = workflows.isEmpty() ? null : workflows.get(workflows.size() - 1);
        return last != null && (last.stage == Stage.PAUSE || last.stage == Stage.RESUME);
    }

    private static void requireAlive(Environment env) {
        if (!env.state.alive()) {
            throw new ApiException(409, "environment_gone", "environment '" + env.id + "' is " + env.state
                    + "; it cannot be deployed, set up or extended");
        }
    }

    static Environment find(String id) {
        Environment env = id == null ? null : Environment.findById(id);
        if (env == null) {
            throw ApiException.notFound("environment", id);
        }
        return env;
    }
}
