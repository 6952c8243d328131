package dev.stagecraft.gateway.environments;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.EnvironmentCreated;
import dev.stagecraft.events.EnvironmentEvicted;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PauseRequested;
import dev.stagecraft.events.ResumeRequested;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.secrets.SecretMask;
import dev.stagecraft.gateway.sleep.WakeEndpoint;
import dev.stagecraft.gateway.imports.ImportResolver;
import dev.stagecraft.template.AppImports;
import dev.stagecraft.messaging.outbox.MessageTooLargeException;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;

/**
 * The per-environment process manager: loads an environment's facts, lets {@link Lifecycle} decide, and applies what
 * it decided (workflow rows, commands through the outbox, announcements on the timeline) in the caller's transaction.
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
    WakeEndpoint wakeEndpoint;

    @Inject
    ImportResolver imports;

    @Inject
    SecretBox secrets;

    @Inject
    Clock clock;

    @Inject
    SecretMask mask;

    @Inject
    GatewayConfig config;

    @Inject
    Quotas quotas;

    private Lifecycle lifecycle;

    @PostConstruct
    void init() {
        lifecycle = new Lifecycle(clock, config.workflow().deadline(), () -> UUID.randomUUID().toString(),
                (id, waitingSince) -> quotas.takeBuildSlot(id, waitingSince));
    }

    /** Creates an environment with a spec frozen from the application's current templates. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Environment create(Application app, Environment.Kind kind, String branch, Integer pullRequest,
            String causationId) {
        Environment env = new Environment();
        env.id = newId(app.name, pullRequest, branch);
        EnvironmentSpec spec = compile(app, env.id, branch, kind);
        env.applicationId = app.id;
        env.kind = kind;
        env.branch = branch;
        env.pullRequest = pullRequest;
        env.state = EnvironmentState.PENDING;
        env.spec = EventJson.write(spec);
        env.specHash = SpecHash.of(spec);
        env.createdAt = OffsetDateTime.now(clock);
        env.updatedAt = env.createdAt;
        env.usedAt = env.createdAt;
        env.expiresAt = expiry(kind, spec, env.createdAt);
        env.persist();
        announce(env, new EnvironmentCreated(env.id, null, app.name, branch, pullRequest, kind.name()), causationId);
        return env;
    }

    /**
     * A push or a Deploy click: {@code commit} becomes the desired commit. False when the environment is being torn
     * down or is gone, and nothing changed.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean deploy(Environment env, String commit, String causationId) {
        if (!run(env, lifecycle.deploy(facts(env), commit), causationId)) {
            return false;
        }
        env.usedAt = OffsetDateTime.now(clock);
        return true;
    }

    /**
     * Queues a new environment past a limit of running environments (see {@link Quotas#admit}): {@code commit} is
     * built once it leaves the queue.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean queue(Environment env, String commit, int position, String reason, String causationId) {
        if (!run(env, lifecycle.queue(facts(env), commit, position, reason), causationId)) {
            return false;
        }
        env.queuedAt = OffsetDateTime.now(clock);
        return true;
    }

    /** A running slot freed for a queued environment: its desired commit is built. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean dequeue(Environment env) {
        return run(env, lifecycle.dequeue(facts(env)), null);
    }

    /** A build slot freed: the environment's waiting commit is built, if it may start now. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean buildSlotFreed(Environment env) {
        return run(env, lifecycle.buildSlotFreed(facts(env)), null);
    }

    /**
     * Evicts {@code env} to make room for environment {@code forEnvironment}: pauses it when READY (paused by
     * {@code quota}), tears it down when it is paused; announces EnvironmentEvicted and keeps the reason for its
     * pull request comment.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean evict(Environment env, String forEnvironment, String reason, String causationId) {
        boolean pause = env.state == EnvironmentState.READY;
        if (!run(env, pause ? lifecycle.pause(facts(env)) : lifecycle.teardown(facts(env), reason), causationId)) {
            return false;
        }
        if (pause) {
            env.pausedBy = "quota";
        }
        env.quotaNote = reason.substring(0, 1).toUpperCase(Locale.ROOT) + reason.substring(1) + ".";
        announce(env, new EnvironmentEvicted(env.id, env.activeWorkflowId, pause ? "paused" : "torn-down",
                forEnvironment, reason), causationId);
        return true;
    }

    /** A deployer approved a fork's pull request: its desired commit, and only that commit, is built. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void approve(Environment env, String causationId) {
        run(env, lifecycle.approve(facts(env)), causationId);
    }

    /**
     * Re-runs setup with a spec freshly resolved from the application's templates. With a workflow running, the
     * caller refuses (see EnvironmentResource): the running one would otherwise end with nothing left to do.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void rerunSetup(Environment env, Application app, String causationId) {
        EnvironmentSpec spec = compile(app, env.id, env.branch, env.kind);
        run(env, lifecycle.rerunSetup(facts(env), EventJson.write(spec), SpecHash.of(spec)), causationId);
    }

    /** Pauses a READY environment; false when it is in no state to pause (the caller says why). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean pause(Environment env, String causationId) {
        return run(env, lifecycle.pause(facts(env)), causationId);
    }

    /** Resumes a paused environment, or one whose pause or resume failed; false when there is nothing to resume. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean resume(Environment env, String causationId) {
        if (!run(env, lifecycle.resume(facts(env)), causationId)) {
            return false;
        }
        env.usedAt = OffsetDateTime.now(clock);
        env.quotaNote = null;
        return true;
    }

    /** Tears the environment down; cancels the active workflow first. Repeating it while it runs changes nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void teardown(Environment env, String reason, String causationId) {
        run(env, lifecycle.teardown(facts(env), reason), causationId);
    }

    /** Applies one lifecycle event from a stage service. Events of a workflow that is not active change nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean apply(Environment env, CloudEvent event) {
        Lifecycle.RepositorySpec repository = null;
        if (event.data() instanceof BuildCompleted done && event.workflowId() != null
                && event.workflowId().equals(env.activeWorkflowId)) {
            if (done.templates() != null && !done.templates().isEmpty()) {
                repository = repositorySpec(env, done.templates());
            }
            if (!done.imports().isEmpty()) {
                env.imports = EventJson.write(done.imports());
            }
        }
        boolean applied = run(env, lifecycle.event(facts(env), event.workflowId(), event.data(), repository),
                event.id());
        if (applied && env.importsStale) {
            importsMoved(env, event.id());
        }
        return applied;
    }

    /**
     * A branch one of the environment's imported applications is built from moved: its desired commit is built
     * again, taking the import's new commit, and patched in; when the environment is busy (a workflow runs, it is
     * paused), once it is READY again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void importsMoved(Environment env, String causationId) {
        env.importsStale = !run(env, lifecycle.rebuild(facts(env)), causationId) && env.state.alive();
    }

    /** The application's templates compiled for the environment, with its imported applications' services. */
    private EnvironmentSpec compile(Application app, String environmentId, String branch, Environment.Kind kind) {
        TemplateCompiler.Context context = context(environmentId, branch, kind);
        EnvironmentSpec spec = TemplateCompiler.compile(app.name, app.template, secrets.open(app.environmentVariables),
                context).spec().withRuntime(app.runtime);
        return imports.apply(app.template, spec, branch, context);
    }

    /** Marks an environment whose active workflow stayed silent past its deadline as failed. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void expireDeadline(Environment env) {
        run(env, lifecycle.deadlinePassed(facts(env)), null);
    }

    /** Allows a teardown that failed to be requested again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void retryTeardown(Environment env, String reason, String causationId) {
        run(env, lifecycle.retryTeardown(facts(env), reason), causationId);
    }

    /**
     * Reconciliation found resources of an environment it had deleted: tears it down again. The state stays DELETED
     * (a new environment may already serve the same pull request); the teardown runs as a workflow of its own and
     * its success announces EnvironmentDeleted again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean tearDownLeftovers(Environment env, OffsetDateTime observedAt, String causationId) {
        return run(env, lifecycle.leftoversFound(facts(env), observedAt), causationId);
    }

    /** The repository's templates of a build, compiled against the environment, or why they are invalid. */
    private Lifecycle.RepositorySpec repositorySpec(Environment env, Map<String, String> templates) {
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
            return null;
        }
        EnvironmentSpec current = env.spec();
        try {
            // the imports stay those of the registered template, resolved when the environment's spec was made
            EnvironmentSpec fromRepo = AppImports.carry(current, TemplateCompiler.compile(current.application(),
                    appTemplate, variables, context(env.id, env.branch, env.kind)).spec().withRuntime(
                            current.runtime()));
            return Lifecycle.RepositorySpec.valid(EventJson.write(fromRepo), SpecHash.of(fromRepo));
        } catch (InvalidTemplateException e) {
            return Lifecycle.RepositorySpec.invalid(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- loading, applying, saving

    private Lifecycle.Facts facts(Environment env) {
        Lifecycle.Active active = null;
        if (env.activeWorkflowId != null) {
            Workflow wf = Workflow.findById(env.activeWorkflowId);
            active = new Lifecycle.Active(wf.id, wf.stage, wf.commit, wf.images());
        }
        return new Lifecycle.Facts(env.id, env.state, env.desiredCommit, env.deployedCommit, env.spec, env.specHash,
                env.deployedSpecHash, env.images(), env.endpoints == null ? null : env.endpoints(), env.fromFork,
                env.approvedCommit, env.awaitingApproval, env.failureReason, active, env.activeDeadline,
                env.updatedAt, env.buildWaitingSince);
    }

    /** Saves the transition's facts into {@code env} and carries out its effects; whether the input applied. */
    private boolean run(Environment env, Lifecycle.Transition transition, String causationId) {
        if (!transition.applied()) {
            return false;
        }
        EnvironmentState before = env.state;
        Workflow beforeActive = env.activeWorkflowId == null ? null : Workflow.findById(env.activeWorkflowId);
        save(env, transition.facts());
        if (transition.effects().stream().anyMatch(e -> e instanceof Lifecycle.StartWorkflow start
                && start.stage() == Stage.BUILD)) {
            env.importsStale = false; // a build that starts now takes every imported application as it is now
        }
        for (Lifecycle.Effect effect : transition.effects()) {
            try {
                carryOut(env, effect, causationId);
            } catch (MessageTooLargeException e) {
                // the command cannot be sent: its workflow fails for good, and what follows from that is applied
                String workflowId;
                if (effect instanceof Lifecycle.SendBuild build) {
                    workflowId = build.workflowId();
                } else if (effect instanceof Lifecycle.SendDeploy deploy) {
                    workflowId = deploy.workflowId();
                } else {
                    throw e;
                }
                return run(env, lifecycle.commandTooLarge(facts(env), workflowId, e.getMessage()), causationId);
            }
        }
        // a slot this transition gave up goes to the next queued environment or waiting build
        quotas.afterTransition(env, before, beforeActive != null && beforeActive.stage == Stage.BUILD
                && !beforeActive.id.equals(env.activeWorkflowId));
        return true;
    }

    private void save(Environment env, Lifecycle.Facts f) {
        env.state = f.state();
        env.desiredCommit = f.desiredCommit();
        env.deployedCommit = f.deployedCommit();
        env.spec = f.spec();
        env.specHash = f.specHash();
        env.deployedSpecHash = f.deployedSpecHash();
        env.images = f.images() == null || f.images().isEmpty() ? null : EventJson.write(f.images());
        env.endpoints = f.endpoints() == null ? null : EventJson.write(f.endpoints());
        env.approvedCommit = f.approvedCommit();
        env.awaitingApproval = f.awaitingApproval();
        env.buildWaitingSince = f.buildWaitingSince();
        if (f.state() != EnvironmentState.QUEUED) {
            env.queuedAt = null;
        }
        if (!Objects.equals(f.failureReason(), env.failureReason)) {
            // a new reason may quote a failing command's output: secret values are masked as in logs and the
            // timeline (once, when it is set: the facts carry the stored, masked reason on)
            env.failureReason = mask.mask(env.id, f.failureReason());
        }
        if (!f.state().paused()) {
            env.pausedBy = null; // out of the paused states (resumed, failed, torn down): nobody's pause any more
        }
        env.activeWorkflowId = f.active() == null ? null : f.active().workflowId();
        env.activeDeadline = f.activeDeadline();
        env.updatedAt = f.updatedAt();
    }

    private void carryOut(Environment env, Lifecycle.Effect effect, String causationId) {
        if (effect instanceof Lifecycle.StartWorkflow start) {
            Workflow wf = new Workflow();
            wf.id = start.workflowId();
            wf.environmentId = env.id;
            wf.stage = start.stage();
            wf.commit = start.commit();
            wf.status = WorkflowStatus.RUNNING;
            wf.images = start.images().isEmpty() ? null : EventJson.write(start.images());
            wf.startedAt = OffsetDateTime.now(clock);
            wf.persist();
            LOG.infof("environment %s: %s workflow %s for %s", env.id, start.stage(), wf.id, start.commit());
        } else if (effect instanceof Lifecycle.FinishWorkflow finish) {
            Workflow wf = Workflow.findById(finish.workflowId());
            if (finish.images() != null) {
                wf.images = EventJson.write(finish.images());
            }
            if (!wf.status.complete()) {
                wf.status = finish.status();
                wf.reason = mask.mask(env.id, finish.reason());
                wf.finishedAt = OffsetDateTime.now(clock);
            }
        } else if (effect instanceof Lifecycle.SendBuild build) {
            Application app = Application.findById(env.applicationId);
            outbox.publish(new BuildRequested(env.id, build.workflowId(), app.name, app.repositoryUrl, env.branch,
                    build.commit(), env.spec()), causationId);
        } else if (effect instanceof Lifecycle.SendDeploy deploy) {
            String wf = deploy.workflowId();
            outbox.publish(switch (deploy.stage()) {
                case SETUP -> new SetupRequested(env.id, wf, deploy.commit(), env.spec(), deploy.images());
                case PATCH -> new PatchRequested(env.id, wf, deploy.commit(), env.spec(), deploy.images());
                // paused for being idle: a sleep, which the next request through the router wakes
                case PAUSE -> new PauseRequested(env.id, wf, deploy.commit(), env.spec(), deploy.images(),
                        "idle".equals(env.pausedBy) ? wakeEndpoint.address() : null);
                case RESUME -> new ResumeRequested(env.id, wf, deploy.commit(), env.spec(), deploy.images());
                case BUILD, TEARDOWN -> throw new IllegalStateException(deploy.stage() + " is not a deploy");
            }, causationId);
        } else if (effect instanceof Lifecycle.SendTeardown teardown) {
            requestTeardown(env, teardown.workflowId(), teardown.reason(), causationId);
        } else if (effect instanceof Lifecycle.SendCancel cancel) {
            outbox.publish(cancel.stage().commandTopic(), new CancelRequested(env.id, cancel.workflowId(),
                    cancel.reason()), causationId);
        } else if (effect instanceof Lifecycle.Announce announce) {
            announce(env, announce.event(), causationId);
        } else if (effect instanceof Lifecycle.Note note) {
            timeline.record(env.id, note.workflowId(), null, note.type(), true, EventJson.write(note.data()));
        }
    }

    /**
     * Sends TeardownRequested with the environment's spec (for the teardown workflow's jobs); when that would be too
     * large to send, without it: the environment's resources are still removed, its teardown jobs do not run.
     */
    private void requestTeardown(Environment env, String workflowId, String reason, String causationId) {
        List<String> images = List.copyOf(imagesEverUsed(env));
        try {
            outbox.publish(new TeardownRequested(env.id, workflowId, reason, images, env.spec().runtime(), env.spec()),
                    causationId);
        } catch (MessageTooLargeException e) {
            LOG.warnf("environment %s: teardown without its spec (%s); its teardown jobs will not run", env.id,
                    e.getMessage());
            outbox.publish(new TeardownRequested(env.id, workflowId, reason, images, env.spec().runtime(), null),
                    causationId);
        }
    }

    private static Set<String> imagesEverUsed(Environment env) {
        Set<String> images = new LinkedHashSet<>(env.images().values());
        for (Workflow wf : Workflow.ofEnvironment(env.id)) {
            images.addAll(wf.images().values());
        }
        return images;
    }

    private void announce(Environment env, StagecraftMessage event, String causationId) {
        outbox.publish(event, causationId);
        timeline.record(env.id, event.workflowId(), null, dev.stagecraft.events.MessageType.of(event).ceType(), true,
                EventJson.write(event));
    }

    /** Permanent environments never expire; ephemeral ones after the template's expiry, or the installation's TTL. */
    private OffsetDateTime expiry(Environment.Kind kind, EnvironmentSpec spec, OffsetDateTime from) {
        if (kind == Environment.Kind.PERMANENT) {
            return null;
        }
        return from.plus(spec.expiresAfter() != null ? Duration.parse(spec.expiresAfter()) : config.environments().ephemeralTtl());
    }

    private TemplateCompiler.Context context(String environmentId, String branch, Environment.Kind kind) {
        return new TemplateCompiler.Context(environmentId, branch, kind.name().toLowerCase(Locale.ROOT), secrets::seal);
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
