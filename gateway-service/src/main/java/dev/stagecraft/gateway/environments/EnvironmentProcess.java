package dev.stagecraft.gateway.environments;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.EnvironmentCreated;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.messaging.outbox.MessageTooLargeException;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;

/**
 * The per-environment process manager. It keeps state, desired and deployed commit, the spec hash of the last
 * successful setup and the active workflow, and decides the next command. Every decision and the commands it causes
 * are written in one transaction (the outbox). At most one workflow is active per environment; a newer commit waits
 * and only the newest waiting one runs; teardown cancels whatever runs and nothing sets the environment up again.
 */
@ApplicationScoped
public class EnvironmentProcess {

    private static final Logger LOG = Logger.getLogger(EnvironmentProcess.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    Timeline timeline;

    @Inject
    Outbox outbox;

    @Inject
    SecretBox secrets;

    @Inject
    GatewayConfig config;

    /** Creates an environment with a spec frozen from the application's current templates. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment create(Application app, Environment.Kind kind, String branch, Integer pullRequest,
            String causationId) {
        Environment env = new Environment();
        env.id = newId(app.name, pullRequest, branch);
        EnvironmentSpec spec = TemplateCompiler.compile(app.name, app.template, secrets.open(app.environmentVariables),
                context(env.id, branch, kind)).spec().withRuntime(app.runtime);
        env.applicationId = app.id;
        env.kind = kind;
        env.branch = branch;
        env.pullRequest = pullRequest;
        env.state = EnvironmentState.PENDING;
        env.spec = EventJson.write(spec);
        env.specHash = SpecHash.of(spec);
        env.createdAt = OffsetDateTime.now();
        env.updatedAt = env.createdAt;
        env.expiresAt = expiry(kind, spec, env.createdAt);
        env.persist();
        publish(new EnvironmentCreated(env.id, null, app.name, branch, pullRequest, kind.name()), causationId, env);
        return env;
    }

    /** A push or a Deploy click: {@code commit} becomes the desired commit and runs as soon as nothing else does. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void deploy(Environment env, String commit, String causationId) {
        if (!env.state.alive()) {
            return;
        }
        if (commit.equals(env.desiredCommit) && (env.activeWorkflowId != null || commit.equals(env.deployedCommit))) {
            return; // the same commit from a second source (a push and a pull request update): already under way
        }
        env.desiredCommit = commit;
        touch(env);
        if (env.fromFork) {
            env.awaitingApproval = !commit.equals(env.approvedCommit);
        }
        if (env.activeWorkflowId == null && !env.awaitingApproval) {
            startBuild(env, causationId);
        }
    }

    /**
     * A deployer approved a pull request from a fork: its desired commit, and only that commit, is built. A later push
     * to the fork waits for approval again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void approve(Environment env, String causationId) {
        env.approvedCommit = env.desiredCommit;
        env.awaitingApproval = false;
        touch(env);
        if (env.activeWorkflowId == null && env.desiredCommit != null) {
            startBuild(env, causationId);
        }
    }

    /**
     * Re-runs setup with a spec freshly resolved from the application's templates. With a workflow running, the
     * caller refuses (see EnvironmentResource): the running one would otherwise end with nothing left to do.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void rerunSetup(Environment env, Application app, String causationId) {
        EnvironmentSpec spec = TemplateCompiler.compile(app.name, app.template, secrets.open(app.environmentVariables),
                context(env.id, env.branch, env.kind)).spec().withRuntime(app.runtime);
        env.spec = EventJson.write(spec);
        env.specHash = SpecHash.of(spec);
        // no successful setup of this spec yet: the next workflow after the build is a setup
        env.deployedSpecHash = null;
        env.desiredCommit = env.desiredCommit != null ? env.desiredCommit : env.deployedCommit;
        touch(env);
        if (env.activeWorkflowId == null) {
            startBuild(env, causationId);
        }
    }

    /** Tears the environment down; cancels the active workflow first. Repeating it while it runs changes nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void teardown(Environment env, String reason, String causationId) {
        if (env.state == EnvironmentState.DELETED) {
            return;
        }
        if (env.activeWorkflowId != null) {
            Workflow active = Workflow.findById(env.activeWorkflowId);
            if (active.stage == Stage.TEARDOWN) {
                return;
            }
            active.status = WorkflowStatus.CANCELLED;
            active.finishedAt = OffsetDateTime.now();
            active.reason = "cancelled by teardown: " + reason;
            outbox.publish(active.stage.commandTopic(),
                    new CancelRequested(env.id, active.id, "environment is being torn down: " + reason), causationId);
        }
        Workflow wf = startWorkflow(env, Stage.TEARDOWN, env.deployedCommit, Map.of());
        env.state = EnvironmentState.TEARING_DOWN;
        requestTeardown(env, wf, reason, causationId);
    }

    /** Applies one lifecycle event from a stage service. Events of a workflow that is not active change nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean apply(Environment env, CloudEvent event) {
        if (event.workflowId() == null || !event.workflowId().equals(env.activeWorkflowId)) {
            return false;
        }
        env.activeDeadline = OffsetDateTime.now().plus(config.workflow().deadline());
        touch(env);
        Workflow wf = Workflow.findById(event.workflowId());
        StagecraftMessage data = event.data();
        if (data instanceof BuildCompleted done) {
            onBuildCompleted(env, wf, done, event.id());
        } else if (data instanceof BuildFailed failed) {
            String what = failed.service() == null ? "the build" : "the build of service '" + failed.service() + "'";
            fail(env, wf, what + " failed: " + failed.reason(), event.id());
        } else if (data instanceof SetupSucceeded ok) {
            onDeployed(env, wf, ok.endpoints(), event.id());
        } else if (data instanceof PatchSucceeded ok) {
            onDeployed(env, wf, ok.endpoints(), event.id());
        } else if (data instanceof SetupFailed failed) {
            fail(env, wf, "setup failed" + task(failed.task()) + ": " + failed.reason(), event.id());
        } else if (data instanceof PatchFailed failed) {
            fail(env, wf, "patch failed" + task(failed.task()) + ": " + failed.reason(), event.id());
        } else if (data instanceof TeardownSucceeded) {
            finish(wf, WorkflowStatus.SUCCEEDED, null);
            env.activeWorkflowId = null;
            env.activeDeadline = null;
            env.state = EnvironmentState.DELETED;
            env.endpoints = null;
            publish(new EnvironmentDeleted(env.id, wf.id), event.id(), env);
        } else if (data instanceof TeardownFailed failed) {
            failTeardown(env, wf, "teardown failed" + task(failed.task()) + ": " + failed.reason(), event.id());
        } else if (data instanceof MessageUndeliverable lost) {
            String reason = "Stagecraft could not deliver " + lost.messageType() + " (" + lost.sizeBytes() + " bytes) to "
                    + lost.topic() + ": " + lost.reason();
            if (wf.stage == Stage.TEARDOWN) {
                failTeardown(env, wf, reason, event.id());
            } else {
                fail(env, wf, reason, event.id());
            }
        }
        return true;
    }

    private void failTeardown(Environment env, Workflow wf, String reason, String causationId) {
        finish(wf, WorkflowStatus.FAILED, reason);
        env.activeWorkflowId = null;
        env.activeDeadline = null;
        // stays TEARING_DOWN: nothing may deploy it again; DELETE retries the teardown
        env.failureReason = reason;
        publish(new EnvironmentFailed(env.id, wf.id, env.failureReason), causationId, env);
    }

    /** Marks an environment whose active workflow stayed silent past its deadline as failed. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void expireDeadline(Environment env) {
        Workflow wf = Workflow.findById(env.activeWorkflowId);
        String reason = "no event from the " + wf.stage.name().toLowerCase(Locale.ROOT) + " stage for "
                + config.workflow().deadline().toMinutes() + " minutes (workflow " + wf.id + ")";
        if (wf.stage == Stage.TEARDOWN) {
            finish(wf, WorkflowStatus.FAILED, reason);
            env.activeWorkflowId = null;
            env.activeDeadline = null;
            env.failureReason = reason;
            return;
        }
        fail(env, wf, reason, null);
    }

    /** Allows a teardown that failed to be requested again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void retryTeardown(Environment env, String reason, String causationId) {
        if (env.state == EnvironmentState.TEARING_DOWN && env.activeWorkflowId == null) {
            Workflow wf = startWorkflow(env, Stage.TEARDOWN, env.deployedCommit, Map.of());
            requestTeardown(env, wf, reason, causationId);
        } else {
            teardown(env, reason, causationId);
        }
    }

    /**
     * Reconciliation found resources of an environment it had deleted: tears it down again. The state stays DELETED
     * (a new environment may already serve the same pull request); the teardown runs as a workflow of its own and
     * its success announces EnvironmentDeleted again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean tearDownLeftovers(Environment env, OffsetDateTime observedAt, String causationId) {
        if (env.state != EnvironmentState.DELETED || env.activeWorkflowId != null
                || !env.updatedAt.isBefore(observedAt)) {
            return false;
        }
        Workflow wf = startWorkflow(env, Stage.TEARDOWN, env.deployedCommit, Map.of());
        String reason = "resources of this deleted environment were still present at " + observedAt
                + " (found by reconciliation)";
        timeline.record(env.id, wf.id, null, "dev.stagecraft.reconciliation.leftovers-found", true,
                EventJson.write(Map.of("reason", reason)));
        requestTeardown(env, wf, reason, causationId);
        return true;
    }

    private void onBuildCompleted(Environment env, Workflow build, BuildCompleted done, String causationId) {
        Map<String, String> images = new LinkedHashMap<>();
        for (ImageRef ref : done.images()) {
            images.put(ref.service(), ref.image());
        }
        build.images = EventJson.write(images);
        finish(build, WorkflowStatus.SUCCEEDED, null);
        if (done.templates() != null && !done.templates().isEmpty()) {
            try {
                applyRepositoryTemplates(env, done.templates());
            } catch (InvalidTemplateException e) {
                fail(env, build, "the templates in the repository at " + build.commit + " are invalid: " + e.getMessage(),
                        causationId);
                return;
            }
        }
        boolean setup = env.deployedSpecHash == null || !env.deployedSpecHash.equals(env.specHash);
        Stage next = setup ? Stage.SETUP : Stage.PATCH;
        Workflow wf = startWorkflow(env, next, build.commit, images);
        EnvironmentSpec spec = env.spec();
        try {
            if (setup) {
                env.state = EnvironmentState.SETTING_UP;
                outbox.publish(new SetupRequested(env.id, wf.id, build.commit, spec, images), causationId);
            } else {
                env.state = EnvironmentState.PATCHING;
                outbox.publish(new PatchRequested(env.id, wf.id, build.commit, spec, images), causationId);
            }
        } catch (MessageTooLargeException e) {
            failWithoutRetry(env, wf, "the environment's spec is too large to send: " + e.getMessage(), causationId);
        }
    }

    private void applyRepositoryTemplates(Environment env, Map<String, String> templates) {
        String appTemplate = null;
        String variables = null;
        for (Map.Entry<String, String> e : templates.entrySet()) {
            if (e.getKey().endsWith("/" + TemplateCompiler.APPLICATION_TEMPLATE)) {
                appTemplate = e.getValue();
            } else if (e.getKey().endsWith("/" + TemplateCompiler.ENVIRONMENT_VARIABLES)) {
                variables = e.getValue();
            }
        }
        if (appTemplate == null) {
            return;
        }
        EnvironmentSpec current = env.spec();
        EnvironmentSpec fromRepo = TemplateCompiler.compile(current.application(), appTemplate, variables,
                context(env.id, env.branch, env.kind)).spec().withRuntime(current.runtime());
        env.spec = EventJson.write(fromRepo);
        env.specHash = SpecHash.of(fromRepo);
    }

    private void onDeployed(Environment env, Workflow wf, Map<String, String> endpoints, String causationId) {
        finish(wf, WorkflowStatus.SUCCEEDED, null);
        env.deployedCommit = wf.commit;
        if (wf.stage == Stage.SETUP) {
            env.deployedSpecHash = env.specHash;
        }
        env.images = wf.images;
        env.endpoints = EventJson.write(endpoints);
        env.failureReason = null;
        env.activeWorkflowId = null;
        env.activeDeadline = null;
        env.state = EnvironmentState.READY;
        publish(new EnvironmentReady(env.id, wf.id, wf.commit, endpoints), causationId, env);
        if (env.desiredCommit != null && !env.desiredCommit.equals(env.deployedCommit)) {
            startBuild(env, causationId);
        }
    }

    private void fail(Environment env, Workflow wf, String reason, String causationId) {
        failWithoutRetry(env, wf, reason, causationId);
        if (env.desiredCommit != null && !env.desiredCommit.equals(wf.commit)) {
            // a newer commit arrived while this one ran: it gets its chance
            startBuild(env, causationId);
        }
    }

    private void startBuild(Environment env, String causationId) {
        if (env.desiredCommit == null) {
            return;
        }
        if (env.fromFork && !env.desiredCommit.equals(env.approvedCommit)) {
            env.awaitingApproval = true; // a fork's commit nobody approved is never built
            return;
        }
        Application app = Application.findById(env.applicationId);
        Workflow wf = startWorkflow(env, Stage.BUILD, env.desiredCommit, Map.of());
        env.state = EnvironmentState.BUILDING;
        try {
            outbox.publish(new BuildRequested(env.id, wf.id, app.name, app.repositoryUrl, env.branch, env.desiredCommit,
                    env.spec()), causationId);
        } catch (MessageTooLargeException e) {
            failWithoutRetry(env, wf, "the environment's spec is too large to send: " + e.getMessage(), causationId);
        }
    }

    /**
     * Sends TeardownRequested with the environment's spec (for the teardown workflow's jobs); when that would be too
     * large to send, without it: the environment's resources are still removed, its teardown jobs do not run.
     */
    private void requestTeardown(Environment env, Workflow wf, String reason, String causationId) {
        List<String> images = List.copyOf(imagesEverUsed(env));
        try {
            outbox.publish(new TeardownRequested(env.id, wf.id, reason, images, env.spec().runtime(), env.spec()),
                    causationId);
        } catch (MessageTooLargeException e) {
            LOG.warnf("environment %s: teardown without its spec (%s); its teardown jobs will not run", env.id,
                    e.getMessage());
            outbox.publish(new TeardownRequested(env.id, wf.id, reason, images, env.spec().runtime(), null), causationId);
        }
    }

    /** Fails a workflow whose command could not be sent; the desired commit does not start another one. */
    private void failWithoutRetry(Environment env, Workflow wf, String reason, String causationId) {
        finish(wf, WorkflowStatus.FAILED, reason);
        env.failureReason = reason;
        env.activeWorkflowId = null;
        env.activeDeadline = null;
        env.state = EnvironmentState.FAILED;
        publish(new EnvironmentFailed(env.id, wf.id, reason), causationId, env);
    }

    private Workflow startWorkflow(Environment env, Stage stage, String commit, Map<String, String> images) {
        Workflow wf = new Workflow();
        wf.id = UUID.randomUUID().toString();
        wf.environmentId = env.id;
        wf.stage = stage;
        wf.commit = commit;
        wf.status = WorkflowStatus.RUNNING;
        wf.images = images.isEmpty() ? null : EventJson.write(images);
        wf.startedAt = OffsetDateTime.now();
        wf.persist();
        env.activeWorkflowId = wf.id;
        env.activeDeadline = wf.startedAt.plus(config.workflow().deadline());
        touch(env);
        LOG.infof("environment %s: %s workflow %s for %s", env.id, stage, wf.id, commit);
        return wf;
    }

    private static void finish(Workflow wf, WorkflowStatus status, String reason) {
        if (!wf.status.complete()) {
            wf.status = status;
            wf.reason = reason;
            wf.finishedAt = OffsetDateTime.now();
        }
    }

    private static Set<String> imagesEverUsed(Environment env) {
        Set<String> images = new LinkedHashSet<>(env.images().values());
        for (Workflow wf : Workflow.ofEnvironment(env.id)) {
            images.addAll(wf.images().values());
        }
        return images;
    }

    private void publish(StagecraftMessage event, String causationId, Environment env) {
        outbox.publish(event, causationId);
        timeline.record(env.id, event.workflowId(), null, dev.stagecraft.events.MessageType.of(event).ceType(), true,
                EventJson.write(event));
    }

    /** Permanent environments never expire; ephemeral ones after the template's expiry, or the installation's TTL. */
    private OffsetDateTime expiry(Environment.Kind kind, EnvironmentSpec spec, OffsetDateTime from) {
        if (kind == Environment.Kind.PERMANENT) {
            return null;
        }
        return from.plus(spec.expiresAfter() != null ? Duration.parse(spec.expiresAfter())
                : config.environments().ephemeralTtl());
    }

    private TemplateCompiler.Context context(String environmentId, String branch, Environment.Kind kind) {
        return new TemplateCompiler.Context(environmentId, branch, kind.name().toLowerCase(Locale.ROOT), secrets::seal);
    }

    private static void touch(Environment env) {
        env.updatedAt = OffsetDateTime.now();
    }

    private static String task(String task) {
        return task == null ? "" : " at task " + task;
    }

    static String newId(String application, Integer pullRequest, String branch) {
        String suffix = pullRequest != null ? "pr" + pullRequest : slug(branch);
        String base = slug(application);
        String random = HexFormat.of().formatHex(RANDOM.generateSeed(3));
        String id = (trim(base, 24) + "-" + trim(suffix, 24)).replaceAll("-+", "-") + "-" + random;
        return id.replaceAll("^-", "");
    }

    private static String slug(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }

    private static String trim(String text, int max) {
        String t = text.length() > max ? text.substring(0, max) : text;
        return t.replaceAll("-$", "");
    }
}
