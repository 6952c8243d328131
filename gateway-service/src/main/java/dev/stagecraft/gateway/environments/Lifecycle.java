package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentPaused;
import dev.stagecraft.events.EnvironmentQueued;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.EnvironmentResumed;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.LifecycleEvent;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.PauseFailed;
import dev.stagecraft.events.PauseSucceeded;
import dev.stagecraft.events.ResumeFailed;
import dev.stagecraft.events.ResumeSucceeded;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownSucceeded;

/**
 * An environment's lifecycle as one pure function: given what is known of the environment ({@link Facts}), one
 * command or event and the time ({@link Clock}), the new facts and what to do ({@link Effect}s: workflows to start
 * and finish, commands to send, events to announce). Nothing here reads or writes a database or a broker;
 * {@link EnvironmentProcess} loads the facts, applies the effects and saves. docs/architecture.md holds the
 * transition table, which {@code LifecycleTest} checks against this class.
 *
 * <p>At most one workflow is active per environment; a newer commit waits and only the newest waiting one runs; a
 * teardown cancels whatever runs, and nothing deploys an environment that is being torn down or is gone.
 *
 * <p>Like the time, one fact comes from outside the environment: whether a build may start now, under the limits of
 * concurrent builds ({@link BuildSlots}, asked only when a build would start). A QUEUED environment builds nothing
 * until {@link #dequeue}; which one leaves the queue is decided by {@code Quotas}.
 */
public final class Lifecycle {

    /**
     * What the lifecycle knows of one environment; the spec itself is opaque here (JSON), its hash decides.
     * {@code buildWaitingSince}: when its desired commit began to wait for a build slot (null: not waiting).
     */
    public record Facts(String id, EnvironmentState state, String desiredCommit, String deployedCommit, String spec,
            String specHash, String deployedSpecHash, Map<String, String> images, Map<String, String> endpoints,
            boolean fromFork, String approvedCommit, boolean awaitingApproval, String failureReason, Active active,
            OffsetDateTime activeDeadline, OffsetDateTime updatedAt, OffsetDateTime buildWaitingSince) {
    }

    /**
     * Whether a build of the environment may start now, under the limits of concurrent builds; asked only when a build
     * would start. {@code waitingSince}: when the environment began to wait for one (null: it does not wait yet), so
     * that builds start in the order they began to wait.
     */
    @FunctionalInterface
    public interface BuildSlots {

        /** No limit: every build starts at once. */
        BuildSlots UNLIMITED = (environmentId, waitingSince) -> true;

        boolean take(String environmentId, OffsetDateTime waitingSince);
    }

    /** The workflow running for the environment: its id, stage, commit and the images it deploys. */
    public record Active(String workflowId, Stage stage, String commit, Map<String, String> images) {
    }

    /** What a transition asks to be done, in order. */
    public sealed interface Effect permits StartWorkflow, FinishWorkflow, SendBuild, SendDeploy, SendTeardown,
            SendCancel, Announce, Note {
    }

    /** A workflow run begins. */
    public record StartWorkflow(String workflowId, Stage stage, String commit, Map<String, String> images)
            implements Effect {
    }

    /** A workflow run ends (unless it already has); {@code images} are the images it built, or null. */
    public record FinishWorkflow(String workflowId, WorkflowStatus status, String reason, Map<String, String> images)
            implements Effect {
    }

    /** BuildRequested for {@code commit}, with the environment's spec. */
    public record SendBuild(String workflowId, String commit) implements Effect {
    }

    /** SetupRequested ({@code stage} SETUP) or PatchRequested (PATCH) with the spec and the built images. */
    public record SendDeploy(String workflowId, Stage stage, String commit, Map<String, String> images)
            implements Effect {
    }

    /** TeardownRequested with the spec and every image the environment ever used. */
    public record SendTeardown(String workflowId, String reason) implements Effect {
    }

    /** CancelRequested to the stage service running {@code workflowId}. */
    public record SendCancel(String workflowId, Stage stage, String reason) implements Effect {
    }

    /** A lifecycle event to publish and put on the timeline. */
    public record Announce(LifecycleEvent event) implements Effect {
    }

    /** A timeline entry that is not an event on the wire. */
    public record Note(String workflowId, String type, Map<String, String> data) implements Effect {
    }

    /**
     * The outcome of one input: the new facts, the effects, and whether the input applied to this environment
     * (false: an event of a workflow that is not active, a deploy to an environment that is going; nothing changed).
     */
    public record Transition(Facts facts, List<Effect> effects, boolean applied) {
    }

    /** The templates a build found in the repository: their spec, or why they are invalid. */
    public record RepositorySpec(String spec, String specHash, String invalid) {

        public static RepositorySpec valid(String spec, String specHash) {
            return new RepositorySpec(spec, specHash, null);
        }

        public static RepositorySpec invalid(String why) {
            return new RepositorySpec(null, null, why);
        }
    }

    private final Clock clock;
    private final Duration deadline;
    private final Supplier<String> workflowIds;
    private final BuildSlots buildSlots;

    /**
     * @param deadline how long an active workflow may stay silent before it is failed
     * @param workflowIds the id of each new workflow run
     */
    public Lifecycle(Clock clock, Duration deadline, Supplier<String> workflowIds) {
        this(clock, deadline, workflowIds, BuildSlots.UNLIMITED);
    }

    /** As above; {@code buildSlots} says whether a build may start now or waits for a slot. */
    public Lifecycle(Clock clock, Duration deadline, Supplier<String> workflowIds, BuildSlots buildSlots) {
        this.clock = clock;
        this.deadline = deadline;
        this.workflowIds = workflowIds;
        this.buildSlots = buildSlots;
    }

    // ---------------------------------------------------------------- commands

    /**
     * A push or a Deploy click: {@code commit} becomes the desired commit and runs as soon as nothing else does; in a
     * paused environment, once it has resumed.
     */
    public Transition deploy(Facts facts, String commit) {
        if (!facts.state().alive()) {
            return unchanged(facts, false);
        }
        if (commit.equals(facts.desiredCommit()) && (facts.active() != null
                || commit.equals(facts.deployedCommit()))) {
            return unchanged(facts, true); // the same commit from a second source: already under way or deployed
        }
        Draft d = new Draft(facts);
        d.desiredCommit = commit;
        if (d.fromFork) {
            d.awaitingApproval = !commit.equals(d.approvedCommit);
        }
        if (d.active == null && !d.awaitingApproval) {
            startBuild(d);
        }
        return d.done(true);
    }

    /**
     * A branch an imported application is built from moved: the environment's desired commit is built again, which
     * takes the imported application at its new commit, and patched in. Only with nothing running, not paused, not
     * awaiting approval, and once something was deployed (a first build takes the newest import anyway); otherwise
     * not applied, and the caller tries again when the environment is READY.
     */
    public Transition rebuild(Facts facts) {
        if (facts.state() != EnvironmentState.READY || facts.active() != null || facts.awaitingApproval()
                || facts.desiredCommit() == null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        startBuild(d);
        // started, or waiting for a build slot (it starts when one frees, as any waiting build)
        return d.done(d.active != null || d.buildWaitingSince != null);
    }

    /** A deployer approved a fork's pull request: its desired commit, and only that one, is built. */
    public Transition approve(Facts facts) {
        Draft d = new Draft(facts);
        d.approvedCommit = d.desiredCommit;
        d.awaitingApproval = false;
        if (d.active == null && d.desiredCommit != null) {
            startBuild(d);
        }
        return d.done(true);
    }

    /**
     * A new environment past its application's (or the installation's) limit of running environments waits in the
     * queue: {@code commit} becomes its desired commit and nothing is built until {@link #dequeue}. {@code position}
     * is its place among its application's queued environments.
     */
    public Transition queue(Facts facts, String commit, int position, String reason) {
        if (facts.state() != EnvironmentState.PENDING || facts.active() != null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        d.desiredCommit = commit;
        if (d.fromFork) {
            d.awaitingApproval = !commit.equals(d.approvedCommit);
        }
        d.state = EnvironmentState.QUEUED;
        d.effects.add(new Announce(new EnvironmentQueued(d.id, null, commit, position, reason)));
        return d.done(true);
    }

    /** A slot freed for a queued environment: its desired commit is built (or waits for approval or a build slot). */
    public Transition dequeue(Facts facts) {
        if (facts.state() != EnvironmentState.QUEUED) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        d.state = EnvironmentState.PENDING;
        d.effects.add(new Note(null, "dev.stagecraft.quota.dequeued", Map.of("commit",
                String.valueOf(d.desiredCommit))));
        if (!d.awaitingApproval) {
            startBuild(d);
        }
        return d.done(true);
    }

    /** A build slot freed: the environment's waiting commit is built now, unless something else started meanwhile. */
    public Transition buildSlotFreed(Facts facts) {
        if (facts.buildWaitingSince() == null || facts.active() != null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        startBuild(d);
        // still no slot (an earlier waiting build took it): nothing changed
        return d.active == null ? unchanged(facts, false) : d.done(true);
    }

    /**
     * Setup again with a spec freshly resolved from the application's templates (none may be running). Not in a
     * paused environment: it would set up what is stopped; it resumes first. Not in a queued one: nothing of it
     * exists yet, and its first deploy will be a setup anyway.
     */
    public Transition rerunSetup(Facts facts, String spec, String specHash) {
        if (facts.state().paused() || facts.state() == EnvironmentState.QUEUED) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        d.spec = spec;
        d.specHash = specHash;
        d.deployedSpecHash = null; // no successful setup of this spec yet: after the build comes a setup
        d.desiredCommit = d.desiredCommit != null ? d.desiredCommit : d.deployedCommit;
        if (d.active == null) {
            startBuild(d);
        }
        return d.done(true);
    }

    /**
     * Pauses a READY environment with nothing running: its services stop, everything else stays (PAUSING, then
     * PAUSED). Pausing a paused environment changes nothing; any other state is not applied.
     */
    public Transition pause(Facts facts) {
        if (facts.state() == EnvironmentState.PAUSED || facts.state() == EnvironmentState.PAUSING) {
            return unchanged(facts, true);
        }
        if (facts.state() != EnvironmentState.READY || facts.active() != null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        d.buildWaitingSince = null; // a commit waiting for a build slot is built after the resume
        String wf = start(d, Stage.PAUSE, d.deployedCommit, d.images == null ? Map.of() : d.images);
        d.state = EnvironmentState.PAUSING;
        d.effects.add(new SendDeploy(wf, Stage.PAUSE, d.deployedCommit, d.active.images()));
        return d.done(true);
    }

    /**
     * Resumes a PAUSED environment (RESUMING, then READY with the commit it had), or tries again after a pause or
     * resume failed (FAILED with nothing running). Resuming a resuming or running environment changes nothing.
     */
    public Transition resume(Facts facts) {
        if (facts.state() == EnvironmentState.RESUMING) {
            return unchanged(facts, true);
        }
        boolean retry = facts.state() == EnvironmentState.FAILED && facts.deployedCommit() != null;
        if (facts.state() != EnvironmentState.PAUSED && !retry || facts.active() != null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        String wf = start(d, Stage.RESUME, d.deployedCommit, d.images == null ? Map.of() : d.images);
        d.state = EnvironmentState.RESUMING;
        d.effects.add(new SendDeploy(wf, Stage.RESUME, d.deployedCommit, d.active.images()));
        return d.done(true);
    }

    /** Tears the environment down, cancelling the active workflow first. Repeating it while it runs changes nothing. */
    public Transition teardown(Facts facts, String reason) {
        if (facts.state() == EnvironmentState.DELETED
                || facts.active() != null && facts.active().stage() == Stage.TEARDOWN) {
            return unchanged(facts, true);
        }
        Draft d = new Draft(facts);
        d.buildWaitingSince = null;
        if (d.state == EnvironmentState.QUEUED) {
            // nothing of it was ever created: no teardown workflow to run, it is gone at once
            d.state = EnvironmentState.DELETED;
            d.effects.add(new Note(null, "dev.stagecraft.quota.left-queue", Map.of("reason", reason)));
            d.effects.add(new Announce(new EnvironmentDeleted(d.id, null)));
            return d.done(true);
        }
        if (d.active != null) {
            d.effects.add(new FinishWorkflow(d.active.workflowId(), WorkflowStatus.CANCELLED,
                    "cancelled by teardown: " + reason, null));
            d.effects.add(new SendCancel(d.active.workflowId(), d.active.stage(), "environment is being torn down: "
                    + reason));
        }
        String wf = start(d, Stage.TEARDOWN, d.deployedCommit, Map.of());
        d.state = EnvironmentState.TEARING_DOWN;
        d.effects.add(new SendTeardown(wf, reason));
        return d.done(true);
    }

    /** A teardown that failed is requested again; otherwise as {@link #teardown}. */
    public Transition retryTeardown(Facts facts, String reason) {
        if (facts.state() != EnvironmentState.TEARING_DOWN || facts.active() != null) {
            return teardown(facts, reason);
        }
        Draft d = new Draft(facts);
        d.effects.add(new SendTeardown(start(d, Stage.TEARDOWN, d.deployedCommit, Map.of()), reason));
        return d.done(true);
    }

    /**
     * Reconciliation found resources of an environment it had deleted before {@code observedAt}: tear it down again.
     * The state stays DELETED; the teardown runs as a workflow of its own.
     */
    public Transition leftoversFound(Facts facts, OffsetDateTime observedAt) {
        if (facts.state() != EnvironmentState.DELETED || facts.active() != null
                || !facts.updatedAt().isBefore(observedAt)) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        String wf = start(d, Stage.TEARDOWN, d.deployedCommit, Map.of());
        String reason = "resources of this deleted environment were still present at " + observedAt
                + " (found by reconciliation)";
        d.effects.add(new Note(wf, "dev.stagecraft.reconciliation.leftovers-found", Map.of("reason", reason)));
        d.effects.add(new SendTeardown(wf, reason));
        return d.done(true);
    }

    /** The active workflow stayed silent past its deadline. */
    public Transition deadlinePassed(Facts facts) {
        if (facts.active() == null) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        Active wf = d.active;
        String reason = "no event from the " + wf.stage().name().toLowerCase(Locale.ROOT) + " stage for "
                + deadline.toMinutes() + " minutes (workflow " + wf.workflowId() + ")";
        if (wf.stage() == Stage.TEARDOWN) {
            d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.FAILED, reason, null));
            d.active = null;
            d.failureReason = reason; // stays TEARING_DOWN: DELETE retries the teardown
            return d.done(true);
        }
        if (wf.stage() == Stage.PAUSE || wf.stage() == Stage.RESUME) {
            // it may still run when its service comes back: cancelled, so it cannot race a later resume
            d.effects.add(new SendCancel(wf.workflowId(), wf.stage(), reason));
        }
        fail(d, wf, reason);
        return d.done(true);
    }

    /** A command of the active workflow could not be sent (too large): that workflow fails, nothing retries it. */
    public Transition commandTooLarge(Facts facts, String workflowId, String why) {
        if (facts.active() == null || !facts.active().workflowId().equals(workflowId)) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        failWithoutRetry(d, d.active, "the environment's spec is too large to send: " + why);
        return d.done(true);
    }

    // ---------------------------------------------------------------- events of the stage services

    /**
     * One event of a stage service. Only events of the active workflow apply; each pushes its deadline back.
     * {@code repository} is what the templates of a BuildCompleted resolved to (null when it carried none).
     */
    public Transition event(Facts facts, String workflowId, StagecraftMessage data, RepositorySpec repository) {
        if (workflowId == null || facts.active() == null || !workflowId.equals(facts.active().workflowId())) {
            return unchanged(facts, false);
        }
        Draft d = new Draft(facts);
        d.activeDeadline = now().plus(deadline);
        if (data instanceof BuildCompleted done) {
            buildCompleted(d, done, repository);
        } else if (data instanceof BuildFailed failed) {
            fail(d, d.active, (failed.service() == null ? "the build" : "the build of service '" + failed.service()
                    + "'") + " failed: " + failed.reason());
        } else if (data instanceof SetupSucceeded ok) {
            deployed(d, ok.endpoints());
        } else if (data instanceof PatchSucceeded ok) {
            deployed(d, ok.endpoints());
        } else if (data instanceof PauseSucceeded) {
            paused(d);
        } else if (data instanceof ResumeSucceeded ok) {
            d.effects.add(new Announce(new EnvironmentResumed(d.id, d.active.workflowId(), d.active.commit(),
                    ok.endpoints())));
            deployed(d, ok.endpoints());
        } else if (data instanceof PauseFailed failed) {
            fail(d, d.active, "pause failed" + task(failed.task()) + ": " + failed.reason());
        } else if (data instanceof ResumeFailed failed) {
            fail(d, d.active, "resume failed" + task(failed.task()) + ": " + failed.reason());
        } else if (data instanceof SetupFailed failed) {
            fail(d, d.active, "setup failed" + task(failed.task()) + ": " + failed.reason());
        } else if (data instanceof PatchFailed failed) {
            fail(d, d.active, "patch failed" + task(failed.task()) + ": " + failed.reason());
        } else if (data instanceof TeardownSucceeded) {
            tornDown(d);
        } else if (data instanceof TeardownFailed failed) {
            failTeardown(d, "teardown failed" + task(failed.task()) + ": " + failed.reason());
        } else if (data instanceof MessageUndeliverable lost) {
            String reason = "Stagecraft could not deliver " + lost.messageType() + " (" + lost.sizeBytes()
                    + " bytes) to " + lost.topic() + ": " + lost.reason();
            if (d.active.stage() == Stage.TEARDOWN) {
                failTeardown(d, reason);
            } else {
                fail(d, d.active, reason);
            }
        }
        // any other event of the workflow (progress, a task started or finished) only pushed the deadline back
        return d.done(true);
    }

    private void buildCompleted(Draft d, BuildCompleted done, RepositorySpec repository) {
        Active build = d.active;
        Map<String, String> images = new LinkedHashMap<>();
        for (ImageRef ref : done.images()) {
            images.put(ref.service(), ref.image());
        }
        d.effects.add(new FinishWorkflow(build.workflowId(), WorkflowStatus.SUCCEEDED, null, images));
        if (repository != null && repository.invalid() != null) {
            fail(d, build, "the templates in the repository at " + build.commit() + " are invalid: "
                    + repository.invalid());
            return;
        }
        if (repository != null) {
            d.spec = repository.spec();
            d.specHash = repository.specHash();
        }
        boolean setup = d.deployedSpecHash == null || !d.deployedSpecHash.equals(d.specHash);
        Stage next = setup ? Stage.SETUP : Stage.PATCH;
        String wf = start(d, next, build.commit(), images);
        d.state = setup ? EnvironmentState.SETTING_UP : EnvironmentState.PATCHING;
        d.effects.add(new SendDeploy(wf, next, build.commit(), images));
    }

    private void deployed(Draft d, Map<String, String> endpoints) {
        Active wf = d.active;
        d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.SUCCEEDED, null, null));
        d.deployedCommit = wf.commit();
        if (wf.stage() == Stage.SETUP) {
            d.deployedSpecHash = d.specHash;
        }
        d.images = wf.images();
        d.endpoints = endpoints;
        d.failureReason = null;
        d.active = null;
        d.state = EnvironmentState.READY;
        d.effects.add(new Announce(new EnvironmentReady(d.id, wf.workflowId(), wf.commit(), endpoints)));
        if (d.desiredCommit != null && !d.desiredCommit.equals(d.deployedCommit)) {
            startBuild(d);
        }
    }

    private void paused(Draft d) {
        Active wf = d.active;
        d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.SUCCEEDED, null, null));
        d.active = null;
        d.failureReason = null;
        d.state = EnvironmentState.PAUSED;
        d.effects.add(new Announce(new EnvironmentPaused(d.id, wf.workflowId(), wf.commit())));
    }

    private void tornDown(Draft d) {
        Active wf = d.active;
        d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.SUCCEEDED, null, null));
        d.active = null;
        d.state = EnvironmentState.DELETED;
        d.endpoints = null;
        d.effects.add(new Announce(new EnvironmentDeleted(d.id, wf.workflowId())));
    }

    private void failTeardown(Draft d, String reason) {
        Active wf = d.active;
        d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.FAILED, reason, null));
        d.active = null;
        d.failureReason = reason; // stays TEARING_DOWN: nothing may deploy it again; DELETE retries the teardown
        d.effects.add(new Announce(new EnvironmentFailed(d.id, wf.workflowId(), reason)));
    }

    /**
     * Fails {@code wf}; a newer commit that arrived while it ran gets its chance, unless {@code wf} paused or resumed
     * the environment: what runs of it is then unknown, and a resume (which starts every service as it was) comes
     * before any deploy.
     */
    private void fail(Draft d, Active wf, String reason) {
        failWithoutRetry(d, wf, reason);
        if (d.desiredCommit != null && !d.desiredCommit.equals(wf.commit()) && wf.stage() != Stage.PAUSE
                && wf.stage() != Stage.RESUME) {
            startBuild(d);
        }
    }

    private void failWithoutRetry(Draft d, Active wf, String reason) {
        d.effects.add(new FinishWorkflow(wf.workflowId(), WorkflowStatus.FAILED, reason, null));
        d.failureReason = reason;
        d.active = null;
        d.state = EnvironmentState.FAILED;
        d.effects.add(new Announce(new EnvironmentFailed(d.id, wf.workflowId(), reason)));
    }

    private void startBuild(Draft d) {
        if (d.desiredCommit == null || d.state.paused() || d.state == EnvironmentState.QUEUED) {
            return; // a paused environment deploys its desired commit once it has resumed; a queued one once it starts
        }
        if (d.fromFork && !d.desiredCommit.equals(d.approvedCommit)) {
            d.awaitingApproval = true; // a fork's commit nobody approved is never built
            return;
        }
        if (!buildSlots.take(d.id, d.buildWaitingSince)) {
            if (d.buildWaitingSince == null) {
                d.buildWaitingSince = now();
                d.effects.add(new Note(null, "dev.stagecraft.quota.build-waiting", Map.of("commit", d.desiredCommit,
                        "reason", "as many builds run as the limit of concurrent builds allows; this one starts"
                                + " when one ends, in the order they began to wait")));
            }
            return; // the state stays as it is: a new environment PENDING, a running one serving its commit
        }
        d.buildWaitingSince = null;
        String wf = start(d, Stage.BUILD, d.desiredCommit, Map.of());
        d.state = EnvironmentState.BUILDING;
        d.effects.add(new SendBuild(wf, d.desiredCommit));
    }

    private String start(Draft d, Stage stage, String commit, Map<String, String> images) {
        String id = workflowIds.get();
        d.active = new Active(id, stage, commit, images);
        d.activeDeadline = now().plus(deadline);
        d.effects.add(new StartWorkflow(id, stage, commit, images));
        return id;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }

    private static Transition unchanged(Facts facts, boolean applied) {
        return new Transition(facts, List.of(), applied);
    }

    private static String task(String task) {
        return task == null ? "" : " at task " + task;
    }

    /** The facts being changed by one transition; becomes the new {@link Facts}. */
    private final class Draft {

        final String id;
        EnvironmentState state;
        String desiredCommit;
        String deployedCommit;
        String spec;
        String specHash;
        String deployedSpecHash;
        Map<String, String> images;
        Map<String, String> endpoints;
        final boolean fromFork;
        String approvedCommit;
        boolean awaitingApproval;
        String failureReason;
        Active active;
        OffsetDateTime activeDeadline;
        OffsetDateTime buildWaitingSince;
        final List<Effect> effects = new ArrayList<>();

        Draft(Facts f) {
            id = f.id();
            state = f.state();
            desiredCommit = f.desiredCommit();
            deployedCommit = f.deployedCommit();
            spec = f.spec();
            specHash = f.specHash();
            deployedSpecHash = f.deployedSpecHash();
            images = f.images();
            endpoints = f.endpoints();
            fromFork = f.fromFork();
            approvedCommit = f.approvedCommit();
            awaitingApproval = f.awaitingApproval();
            failureReason = f.failureReason();
            active = f.active();
            activeDeadline = f.activeDeadline();
            buildWaitingSince = f.buildWaitingSince();
        }

        Transition done(boolean applied) {
            return new Transition(new Facts(id, state, desiredCommit, deployedCommit, spec, specHash, deployedSpecHash,
                    images, endpoints, fromFork, approvedCommit, awaitingApproval, failureReason, active,
                    active == null ? null : activeDeadline, now(), buildWaitingSince), List.copyOf(effects), applied);
        }
    }
}
