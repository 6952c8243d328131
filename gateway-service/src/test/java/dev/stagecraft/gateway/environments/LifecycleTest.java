package dev.stagecraft.gateway.environments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentPaused;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.EnvironmentResumed;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.PauseFailed;
import dev.stagecraft.events.PauseSucceeded;
import dev.stagecraft.events.ResumeFailed;
import dev.stagecraft.events.ResumeSucceeded;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.gateway.environments.Lifecycle.Active;
import dev.stagecraft.gateway.environments.Lifecycle.Announce;
import dev.stagecraft.gateway.environments.Lifecycle.Effect;
import dev.stagecraft.gateway.environments.Lifecycle.Facts;
import dev.stagecraft.gateway.environments.Lifecycle.FinishWorkflow;
import dev.stagecraft.gateway.environments.Lifecycle.RepositorySpec;
import dev.stagecraft.gateway.environments.Lifecycle.SendBuild;
import dev.stagecraft.gateway.environments.Lifecycle.SendCancel;
import dev.stagecraft.gateway.environments.Lifecycle.SendDeploy;
import dev.stagecraft.gateway.environments.Lifecycle.SendTeardown;
import dev.stagecraft.gateway.environments.Lifecycle.StartWorkflow;
import dev.stagecraft.gateway.environments.Lifecycle.Transition;

/** The environment's lifecycle without Kafka or a database: the transition table, and the rules behind it. */
class LifecycleTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final String ENV = "shop-pr7-a1b2c3";
    private static final String C0 = "0000000", C1 = "1111111", C2 = "2222222", C3 = "3333333";

    private final AtomicInteger ids = new AtomicInteger();
    private final Lifecycle lifecycle = new Lifecycle(Clock.fixed(T0, ZoneOffset.UTC), Duration.ofMinutes(15),
            () -> "wf-" + ids.incrementAndGet());

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** An environment in {@code state}, with the active workflow that state runs (none for the others). */
    private static Facts in(EnvironmentState state) {
        Stage stage = switch (state) {
            case BUILDING -> Stage.BUILD;
            case SETTING_UP -> Stage.SETUP;
            case PATCHING -> Stage.PATCH;
            case PAUSING -> Stage.PAUSE;
            case RESUMING -> Stage.RESUME;
            case TEARING_DOWN -> Stage.TEARDOWN;
            case PENDING, QUEUED, READY, PAUSED, FAILED, DELETED -> null;
        };
        Active active = stage == null ? null : new Active("wf-active", stage, C1, stage == Stage.BUILD ? Map.of()
                : Map.of("web", "registry/web:1"));
        boolean deployed = state != EnvironmentState.PENDING && state != EnvironmentState.QUEUED
                && state != EnvironmentState.BUILDING && state != EnvironmentState.SETTING_UP;
        return new Facts(ENV, state, state == EnvironmentState.PENDING ? null : C1, deployed ? C0 : null, "{spec}",
                "h1", null, Map.of(), Map.of(), false, null, false, null, active,
                active == null ? null : at(T0.plusSeconds(60)), at(T0.minusSeconds(3600)), null);
    }

    private static Facts with(Facts f, String deployedSpecHash, boolean fromFork, Active active) {
        return new Facts(f.id(), f.state(), f.desiredCommit(), f.deployedCommit(), f.spec(), f.specHash(),
                deployedSpecHash, f.images(), f.endpoints(), fromFork, f.approvedCommit(), f.awaitingApproval(),
                f.failureReason(), active, f.activeDeadline(), f.updatedAt(), f.buildWaitingSince());
    }

    /** {@code f} whose desired commit {@code C2} waits for a build slot since a minute before T0. */
    private static Facts waitingForABuildSlot(Facts f) {
        return new Facts(f.id(), f.state(), C2, f.deployedCommit(), f.spec(), f.specHash(), f.deployedSpecHash(),
                f.images(), f.endpoints(), f.fromFork(), f.approvedCommit(), f.awaitingApproval(), f.failureReason(),
                f.active(), f.activeDeadline(), f.updatedAt(), at(T0.minusSeconds(60)));
    }

    private static String wf(Facts f) {
        return f.active() == null ? "none" : f.active().workflowId();
    }

    /** Each input of the transition table, applied to the facts of its "from" state. */
    private Map<String, BiFunction<Lifecycle, Facts, Transition>> inputs() {
        Map<String, BiFunction<Lifecycle, Facts, Transition>> in = new LinkedHashMap<>();
        List<ImageRef> images = List.of(new ImageRef("web", "registry/web:2", true));
        in.put("deploy", (l, f) -> l.deploy(f, C2));
        in.put("deploy, fork not approved", (l, f) -> l.deploy(with(f, null, true, f.active()), C2));
        in.put("approve", Lifecycle::approve);
        in.put("rerun setup", (l, f) -> l.rerunSetup(f, "{spec2}", "h2"));
        in.put("teardown", (l, f) -> l.teardown(f, "pull request #7 was closed"));
        in.put("retry teardown", (l, f) -> l.retryTeardown(with(f, null, false, null), "deleted by alice"));
        in.put("BuildCompleted", (l, f) -> l.event(f, wf(f), new BuildCompleted(ENV, wf(f), C1, images, Map.of()),
                null));
        in.put("BuildCompleted, spec set up", (l, f) -> l.event(with(f, "h1", false, f.active()), wf(f),
                new BuildCompleted(ENV, wf(f), C1, images, Map.of()), null));
        in.put("BuildCompleted, invalid templates", (l, f) -> l.event(f, wf(f), new BuildCompleted(ENV, wf(f), C1,
                images, Map.of(".stagecraft/application_template.yaml", "services: [")),
                RepositorySpec.invalid("line 1: unexpected end")));
        in.put("BuildFailed", (l, f) -> l.event(f, wf(f), new BuildFailed(ENV, wf(f), C1, "web", "exit 2", List.of()),
                null));
        in.put("MessageUndeliverable", (l, f) -> l.event(f, wf(f), new MessageUndeliverable(ENV, wf(f), "m1",
                "dev.stagecraft.setup.requested.v1", "stagecraft.setup.commands", "gateway", 2_000_000, "too large"),
                null));
        in.put("command too large", (l, f) -> l.commandTooLarge(f, wf(f), "2 MB"));
        in.put("deadline passed", Lifecycle::deadlinePassed);
        in.put("event of another workflow", (l, f) -> l.event(f, "wf-old", new SetupSucceeded(ENV, "wf-old",
                Map.of()), null));
        in.put("SetupSucceeded", (l, f) -> l.event(f, wf(f), new SetupSucceeded(ENV, wf(f), Map.of("web",
                "http://web")), null));
        in.put("SetupFailed", (l, f) -> l.event(f, wf(f), new SetupFailed(ENV, wf(f), "services.web", "crash"), null));
        in.put("PatchSucceeded", (l, f) -> l.event(f, wf(f), new PatchSucceeded(ENV, wf(f), Map.of("web",
                "http://web"), List.of("web")), null));
        in.put("PatchFailed", (l, f) -> l.event(f, wf(f), new PatchFailed(ENV, wf(f), "services.web", "crash"), null));
        in.put("TeardownSucceeded", (l, f) -> l.event(f, wf(f), new TeardownSucceeded(ENV, wf(f), List.of()), null));
        in.put("TeardownFailed", (l, f) -> l.event(f, wf(f), new TeardownFailed(ENV, wf(f), "jobs.backup", "exit 1"),
                null));
        in.put("leftovers found", (l, f) -> l.leftoversFound(f, at(T0)));
        in.put("imports moved", Lifecycle::rebuild);
        in.put("pause", Lifecycle::pause);
        in.put("resume", Lifecycle::resume);
        in.put("PauseSucceeded", (l, f) -> l.event(f, wf(f), new PauseSucceeded(ENV, wf(f)), null));
        in.put("PauseFailed", (l, f) -> l.event(f, wf(f), new PauseFailed(ENV, wf(f), "services.web", "stuck"), null));
        in.put("ResumeSucceeded", (l, f) -> l.event(f, wf(f), new ResumeSucceeded(ENV, wf(f), Map.of("web",
                "http://web")), null));
        in.put("queue", (l, f) -> l.queue(f, C2, 1, "application 'shop' runs 2 environments"));
        in.put("slot freed", Lifecycle::dequeue);
        in.put("deploy, no build slot", (l, f) -> new Lifecycle(Clock.fixed(T0, ZoneOffset.UTC),
                Duration.ofMinutes(15), () -> "wf-" + ids.incrementAndGet(), (id, since) -> false).deploy(f, C2));
        in.put("build slot freed", (l, f) -> l.buildSlotFreed(waitingForABuildSlot(f)));
        in.put("ResumeFailed", (l, f) -> l.event(f, wf(f), new ResumeFailed(ENV, wf(f), "services.web", "gone"),
                null));
        return in;
    }

    private record Row(EnvironmentState from, String input, EnvironmentState to) {
    }

    private static List<Row> table() throws Exception {
        String doc = Files.readString(Path.of("../docs/architecture.md"));
        String section = doc.substring(doc.indexOf("### Environment transitions"));
        section = section.substring(0, section.indexOf("\n\n", section.indexOf("| from |")));
        Matcher m = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\| ([^|]+?) \\| `([A-Z_]+)` \\|").matcher(section);
        List<Row> rows = new ArrayList<>();
        while (m.find()) {
            rows.add(new Row(EnvironmentState.valueOf(m.group(1)), m.group(2).trim(),
                    EnvironmentState.valueOf(m.group(3))));
        }
        return rows;
    }

    @Test
    void everyRowOfTheDocumentedTransitionTableHoldsAndEveryInputIsInIt() throws Exception {
        List<Row> rows = table();
        assertTrue(rows.size() >= 30, "the table was read: " + rows.size() + " rows");
        Map<String, BiFunction<Lifecycle, Facts, Transition>> inputs = inputs();
        List<String> wrong = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        for (Row row : rows) {
            BiFunction<Lifecycle, Facts, Transition> input = inputs.get(row.input());
            if (input == null) {
                wrong.add(row + ": no such input (known: " + inputs.keySet() + ")");
                continue;
            }
            used.add(row.input());
            Transition t = input.apply(lifecycle, in(row.from()));
            if (t.facts().state() != row.to()) {
                wrong.add(row + ": the code goes to " + t.facts().state());
            }
        }
        assertEquals(List.of(), wrong, "rows of docs/architecture.md the code disagrees with");
        assertEquals(new TreeSet<>(inputs.keySet()), used, "every input appears in the table");
    }

    @Test
    void aPullRequestIsBuiltSetUpPatchedAndTornDownWithTheTimeOfTheClock() {
        Facts f = in(EnvironmentState.PENDING);
        Transition deploy = lifecycle.deploy(f, C1);
        assertEquals(List.of(new StartWorkflow("wf-1", Stage.BUILD, C1, Map.of()), new SendBuild("wf-1", C1)),
                deploy.effects());
        assertEquals(at(T0.plus(Duration.ofMinutes(15))), deploy.facts().activeDeadline(), "deadline from the clock");
        assertEquals(at(T0), deploy.facts().updatedAt());

        Transition built = lifecycle.event(deploy.facts(), "wf-1", new BuildCompleted(ENV, "wf-1", C1,
                List.of(new ImageRef("web", "registry/web:1", true)), Map.of()), null);
        assertEquals(EnvironmentState.SETTING_UP, built.facts().state());
        assertTrue(built.effects().contains(new SendDeploy("wf-2", Stage.SETUP, C1, Map.of("web", "registry/web:1"))));
        Transition ready = lifecycle.event(built.facts(), "wf-2", new SetupSucceeded(ENV, "wf-2", Map.of("web",
                "http://web")), null);
        assertEquals(EnvironmentState.READY, ready.facts().state());
        assertEquals(C1, ready.facts().deployedCommit());
        assertEquals("h1", ready.facts().deployedSpecHash(), "this spec is set up: the next deploy patches");
        assertTrue(ready.effects().contains(new Announce(new EnvironmentReady(ENV, "wf-2", C1, Map.of("web",
                "http://web")))));

        Transition push = lifecycle.deploy(ready.facts(), C2);
        Transition rebuilt = lifecycle.event(push.facts(), "wf-3", new BuildCompleted(ENV, "wf-3", C2,
                List.of(new ImageRef("web", "registry/web:2", true)), Map.of()), null);
        assertEquals(EnvironmentState.PATCHING, rebuilt.facts().state());

        Transition closed = lifecycle.teardown(rebuilt.facts(), "closed");
        assertEquals(List.of(new FinishWorkflow("wf-4", WorkflowStatus.CANCELLED, "cancelled by teardown: closed",
                null), new SendCancel("wf-4", Stage.PATCH, "environment is being torn down: closed"),
                new StartWorkflow("wf-5", Stage.TEARDOWN, C1, Map.of()), new SendTeardown("wf-5", "closed")),
                closed.effects());
        Transition gone = lifecycle.event(closed.facts(), "wf-5", new TeardownSucceeded(ENV, "wf-5", List.of()), null);
        assertEquals(EnvironmentState.DELETED, gone.facts().state());
        assertNull(gone.facts().active());
        assertNull(gone.facts().activeDeadline());
    }

    /**
     * A paused environment keeps its commit: a push only becomes the desired commit, the resume brings back exactly
     * what ran, and the pushed commit is built once it is READY again.
     */
    @Test
    void aPushWhilePausedIsDeployedAfterTheResumeWhichBringsBackTheCommitItHad() {
        Facts ready = new Facts(ENV, EnvironmentState.READY, C1, C1, "{spec}", "h1", "h1", Map.of("web",
                "registry/web:1"), Map.of("web", "http://web"), false, null, false, null, null, null,
                at(T0.minusSeconds(60)), null);
        Transition pausing = lifecycle.pause(ready);
        assertEquals(List.of(new StartWorkflow("wf-1", Stage.PAUSE, C1, Map.of("web", "registry/web:1")),
                new SendDeploy("wf-1", Stage.PAUSE, C1, Map.of("web", "registry/web:1"))), pausing.effects());
        Transition paused = lifecycle.event(pausing.facts(), "wf-1", new PauseSucceeded(ENV, "wf-1"), null);
        assertEquals(EnvironmentState.PAUSED, paused.facts().state());
        assertTrue(paused.effects().contains(new Announce(new EnvironmentPaused(ENV, "wf-1", C1))));

        Transition pushed = lifecycle.deploy(paused.facts(), C2);
        assertEquals(EnvironmentState.PAUSED, pushed.facts().state());
        assertEquals(C2, pushed.facts().desiredCommit());
        assertEquals(List.of(), pushed.effects(), "nothing is built while paused");

        Transition resuming = lifecycle.resume(pushed.facts());
        assertEquals(List.of(new StartWorkflow("wf-2", Stage.RESUME, C1, Map.of("web", "registry/web:1")),
                new SendDeploy("wf-2", Stage.RESUME, C1, Map.of("web", "registry/web:1"))), resuming.effects(),
                "the resume brings back the deployed commit, not the pushed one");
        Transition resumed = lifecycle.event(resuming.facts(), "wf-2", new ResumeSucceeded(ENV, "wf-2", Map.of("web",
                "http://web")), null);
        assertTrue(resumed.effects().contains(new Announce(new EnvironmentResumed(ENV, "wf-2", C1, Map.of("web",
                "http://web")))));
        assertEquals(EnvironmentState.BUILDING, resumed.facts().state(), "then the pushed commit is built");
        assertTrue(resumed.effects().contains(new SendBuild("wf-3", C2)));
    }

    /** A pause past its deadline is cancelled too: when its service comes back it cannot race a later resume. */
    @Test
    void aPauseOrResumePastItsDeadlineIsCancelledAsWellAsFailed() {
        for (EnvironmentState state : List.of(EnvironmentState.PAUSING, EnvironmentState.RESUMING)) {
            Transition t = lifecycle.deadlinePassed(in(state));
            assertEquals(EnvironmentState.FAILED, t.facts().state());
            assertTrue(t.effects().stream().anyMatch(e -> e instanceof SendCancel c && c.workflowId().equals(
                    "wf-active")), state + ": " + t.effects());
        }
        assertTrue(lifecycle.deadlinePassed(in(EnvironmentState.BUILDING)).effects().stream()
                .noneMatch(e -> e instanceof SendCancel), "other stages are failed as before");
    }

    @Test
    void pushesDuringABuildLeadToOneMoreBuildOfTheNewestOnly() {
        Facts building = lifecycle.deploy(in(EnvironmentState.PENDING), C1).facts();
        Facts f = building;
        for (String c : List.of(C2, C3)) {
            Transition t = lifecycle.deploy(f, c);
            assertEquals(List.of(), t.effects(), "waits while a workflow runs");
            f = t.facts();
        }
        Transition failed = lifecycle.event(f, "wf-1", new BuildFailed(ENV, "wf-1", C1, null, "exit 1", List.of()),
                null);
        assertEquals(EnvironmentState.BUILDING, failed.facts().state(), "the newest waiting commit is built next");
        assertTrue(failed.effects().contains(new SendBuild("wf-2", C3)), failed.effects().toString());
        assertFalse(failed.effects().stream().anyMatch(e -> e.equals(new SendBuild("wf-2", C2))));
    }

    @Test
    void replayedAndStaleEventsChangeNothing() {
        Transition deployed = lifecycle.deploy(in(EnvironmentState.PENDING), C1);
        Transition built = lifecycle.event(deployed.facts(), "wf-1", new BuildCompleted(ENV, "wf-1", C1, List.of(),
                Map.of()), null);
        // the same BuildCompleted again: its workflow is no longer the active one
        Transition replay = lifecycle.event(built.facts(), "wf-1", new BuildCompleted(ENV, "wf-1", C1, List.of(),
                Map.of()), null);
        assertFalse(replay.applied());
        assertEquals(built.facts(), replay.facts());
        assertEquals(List.of(), replay.effects());
        Transition stale = lifecycle.event(built.facts(), null, new WorkflowProgressed(ENV, null, 30),
                null);
        assertFalse(stale.applied());
    }

    @Test
    void aHeartbeatOnlyPushesTheDeadlineBack() {
        Facts building = lifecycle.deploy(in(EnvironmentState.PENDING), C1).facts();
        Lifecycle later = new Lifecycle(Clock.fixed(T0.plusSeconds(600), ZoneOffset.UTC), Duration.ofMinutes(15),
                () -> "never");
        Transition beat = later.event(building, "wf-1", new WorkflowProgressed(ENV, "wf-1", 600),
                null);
        assertTrue(beat.applied());
        assertEquals(List.of(), beat.effects());
        assertEquals(at(T0.plusSeconds(600).plus(Duration.ofMinutes(15))), beat.facts().activeDeadline());
        assertEquals(EnvironmentState.BUILDING, beat.facts().state());
    }

    @Test
    void aForksCommitIsBuiltOnlyOnceApprovedAndALaterPushWaitsAgain() {
        Facts fork = with(in(EnvironmentState.PENDING), null, true, null);
        Transition opened = lifecycle.deploy(fork, C1);
        assertTrue(opened.facts().awaitingApproval());
        assertEquals(List.of(), opened.effects(), "nothing of a fork is built unapproved");
        Transition approved = lifecycle.approve(opened.facts());
        assertEquals(EnvironmentState.BUILDING, approved.facts().state());
        assertEquals(C1, approved.facts().approvedCommit());
        Transition pushed = lifecycle.deploy(approved.facts(), C2);
        assertTrue(pushed.facts().awaitingApproval(), "a later push to the fork waits for approval again");
    }

    @Test
    void aTeardownThatFailedStaysTearingDownAndIsRetried() {
        Transition closed = lifecycle.teardown(in(EnvironmentState.READY), "closed");
        Transition failed = lifecycle.event(closed.facts(), "wf-1", new TeardownFailed(ENV, "wf-1", "jobs.backup",
                "exit 1"), null);
        assertEquals(EnvironmentState.TEARING_DOWN, failed.facts().state());
        assertTrue(failed.effects().contains(new Announce(new EnvironmentFailed(ENV, "wf-1",
                "teardown failed at task jobs.backup: exit 1"))));
        assertFalse(lifecycle.deploy(failed.facts(), C2).applied(), "nothing deploys an environment that is going");
        Transition again = lifecycle.retryTeardown(failed.facts(), "deleted by alice");
        assertTrue(again.effects().contains(new SendTeardown("wf-2", "deleted by alice")));
    }

    @Test
    void leftoversOfADeletedEnvironmentAreTornDownOnlyWhenSeenAfterItsDeletion() {
        Facts deleted = in(EnvironmentState.DELETED);
        assertFalse(lifecycle.leftoversFound(deleted, at(T0.minusSeconds(7200))).applied(),
                "an inventory older than the deletion says nothing");
        Transition again = lifecycle.leftoversFound(deleted, at(T0));
        assertEquals(EnvironmentState.DELETED, again.facts().state());
        assertTrue(again.effects().stream().anyMatch(e -> e instanceof SendTeardown));
    }

    @Test
    void theTemplatesOfTheRepositoryDecideSetupOrPatch() {
        Facts building = with(in(EnvironmentState.BUILDING), "h1", false, in(EnvironmentState.BUILDING).active());
        Transition changed = lifecycle.event(building, "wf-active", new BuildCompleted(ENV, "wf-active", C1,
                List.of(), Map.of(".stagecraft/application_template.yaml", "...")), RepositorySpec.valid("{spec2}",
                        "h2"));
        assertEquals(EnvironmentState.SETTING_UP, changed.facts().state(), "a new spec is set up, not patched");
        assertEquals("{spec2}", changed.facts().spec());
        List<Effect> effects = changed.effects();
        assertTrue(effects.get(0) instanceof FinishWorkflow, effects.toString());
    }

    /**
     * A queued environment builds nothing: a push only moves its desired commit, and when it leaves the queue the
     * newest commit is built. Closed while queued, it is gone at once: nothing of it exists, so no teardown runs.
     */
    @Test
    void aQueuedEnvironmentBuildsItsNewestCommitWhenItLeavesTheQueueAndIsDeletedWithoutATeardown() {
        Transition queued = lifecycle.queue(in(EnvironmentState.PENDING), C1, 2, "limit reached");
        assertEquals(EnvironmentState.QUEUED, queued.facts().state());
        assertEquals(List.of(new Announce(new dev.stagecraft.events.EnvironmentQueued(ENV, null, C1, 2,
                "limit reached"))), queued.effects());
        Transition pushed = lifecycle.deploy(queued.facts(), C2);
        assertEquals(EnvironmentState.QUEUED, pushed.facts().state());
        assertEquals(List.of(), pushed.effects(), "nothing is built while queued");
        Transition started = lifecycle.dequeue(pushed.facts());
        assertEquals(EnvironmentState.BUILDING, started.facts().state());
        assertTrue(started.effects().contains(new SendBuild("wf-1", C2)), started.effects().toString());

        Transition closed = lifecycle.teardown(pushed.facts(), "pull request #7 was closed");
        assertEquals(EnvironmentState.DELETED, closed.facts().state());
        assertTrue(closed.effects().stream().noneMatch(e -> e instanceof SendTeardown || e instanceof StartWorkflow),
                closed.effects().toString());
        assertFalse(lifecycle.dequeue(closed.facts()).applied(), "a deleted environment never leaves the queue");
    }

    /**
     * A build beyond the limit waits, and the environment says since when; when a slot frees it starts, and the slots
     * are asked with that moment so the longest waiting goes first.
     */
    @Test
    void aBuildWithoutASlotWaitsAndStartsWhenOneFrees() {
        List<OffsetDateTime> asked = new ArrayList<>();
        boolean[] free = {false};
        Lifecycle limited = new Lifecycle(Clock.fixed(T0, ZoneOffset.UTC), Duration.ofMinutes(15),
                () -> "wf-" + ids.incrementAndGet(), (id, since) -> {
                    asked.add(since);
                    return free[0];
                });
        Transition waiting = limited.deploy(in(EnvironmentState.PENDING), C1);
        assertEquals(EnvironmentState.PENDING, waiting.facts().state());
        assertEquals(at(T0), waiting.facts().buildWaitingSince());
        assertTrue(waiting.effects().stream().noneMatch(e -> e instanceof SendBuild), waiting.effects().toString());
        assertFalse(limited.buildSlotFreed(waiting.facts()).applied(), "still no slot: nothing changes");
        free[0] = true;
        Transition started = limited.buildSlotFreed(waiting.facts());
        assertEquals(EnvironmentState.BUILDING, started.facts().state());
        assertNull(started.facts().buildWaitingSince());
        assertTrue(started.effects().contains(new SendBuild("wf-1", C1)), started.effects().toString());
        assertEquals(java.util.Arrays.asList(null, at(T0), at(T0)), asked);
        Transition closed = limited.teardown(waiting.facts(), "closed");
        assertNull(closed.facts().buildWaitingSince(), "a torn down environment waits for nothing");
    }
}
