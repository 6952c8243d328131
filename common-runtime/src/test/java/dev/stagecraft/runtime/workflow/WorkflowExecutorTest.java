package dev.stagecraft.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.workflow.WorkflowExecutor.TaskOutcome;

class WorkflowExecutorTest {

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final RuntimeListener listener = RuntimeListener.of(t -> events.add("start " + t),
            (t, ok, m) -> events.add((ok ? "ok " : "failed ") + t), (s, l) -> events.add("log " + s + ": " + l), () -> {
            });

    @Test
    void theTasksOfAStepRunInParallelAndStepsInOrder() {
        CountDownLatch both = new CountDownLatch(2);
        WorkflowSpec wf = new WorkflowSpec("setup", List.of(
                new StepSpec("one", List.of("services.a", "services.b"), true, true),
                new StepSpec("two", List.of("services.c"), true, true)));
        WorkflowExecutor.Result result = WorkflowExecutor.run(wf, task -> {
            if (!task.equals("services.c")) {
                both.countDown();
                // each of a and b waits for the other: only parallel tasks get past this
                assertTrue(both.await(5, TimeUnit.SECONDS), "a and b ran at the same time");
            }
            return TaskOutcome.ok();
        }, listener);
        assertTrue(result.succeeded());
        assertEquals("start services.c", events.stream().filter(e -> e.startsWith("start")).toList().get(2),
                "step two starts after step one: " + events);
        assertEquals(List.of("services.a", "services.b", "services.c"), List.copyOf(result.tasks().keySet()));
    }

    @Test
    void haltOnErrorStopsAtTheFailedTaskAndNamesIt() {
        WorkflowSpec wf = new WorkflowSpec("setup", List.of(
                new StepSpec("one", List.of("jobs.migrate", "services.a"), true, true),
                new StepSpec("two", List.of("services.b"), true, true)));
        WorkflowExecutor.Result result = WorkflowExecutor.run(wf, task -> task.equals("jobs.migrate")
                ? TaskOutcome.failed("exited with code 3") : TaskOutcome.ok(), listener);
        assertFalse(result.succeeded());
        assertEquals("jobs.migrate", result.failedTask());
        assertEquals("exited with code 3", result.reason());
        assertFalse(events.contains("start services.b"), "the next step never starts: " + events);
        assertTrue(events.contains("failed jobs.migrate"));
    }

    @Test
    void withoutHaltOnErrorAFailureIsReportedAndTheWorkflowGoesOn() {
        WorkflowSpec wf = new WorkflowSpec("setup", List.of(
                new StepSpec("one", List.of("jobs.seed"), false, true),
                new StepSpec("two", List.of("services.b"), true, true)));
        WorkflowExecutor.Result result = WorkflowExecutor.run(wf, task -> {
            if (task.equals("jobs.seed")) {
                throw new IllegalStateException("seed data missing");
            }
            return TaskOutcome.ok();
        }, listener);
        assertTrue(result.succeeded());
        assertEquals(new TaskOutcome(false, "seed data missing"), result.tasks().get("jobs.seed"));
        assertTrue(events.contains("ok services.b"));
        assertTrue(events.stream().anyMatch(e -> e.startsWith("log jobs.seed: failed, and the workflow goes on")));
    }

    @Test
    void aStepThatDoesNotWaitRunsOnWhileLaterStepsStart() {
        CountDownLatch laterStarted = new CountDownLatch(1);
        WorkflowSpec wf = new WorkflowSpec("setup", List.of(
                new StepSpec("warm", List.of("jobs.warm-cache"), true, false),
                new StepSpec("serve", List.of("services.web"), true, true)));
        WorkflowExecutor.Result result = WorkflowExecutor.run(wf, task -> {
            if (task.equals("jobs.warm-cache")) {
                // finishes only once the later step has started
                return laterStarted.await(5, TimeUnit.SECONDS) ? TaskOutcome.ok() : TaskOutcome.failed("blocked");
            }
            laterStarted.countDown();
            return TaskOutcome.ok();
        }, listener);
        assertTrue(result.succeeded(), String.valueOf(result));
        assertEquals(Map.of("jobs.warm-cache", TaskOutcome.ok(), "services.web", TaskOutcome.ok()), result.tasks());
        assertTrue(events.indexOf("start services.web") < events.indexOf("ok jobs.warm-cache"),
                "the later step started while the first was still running: " + events);
    }

    @Test
    void aBackgroundTaskThatFailsUnderHaltOnErrorFailsTheWorkflowAtTheEnd() {
        WorkflowSpec wf = new WorkflowSpec("setup", List.of(
                new StepSpec("bg", List.of("jobs.index"), true, false),
                new StepSpec("serve", List.of("services.web"), true, true)));
        WorkflowExecutor.Result result = WorkflowExecutor.run(wf, task -> task.equals("jobs.index")
                ? TaskOutcome.failed("exited with code 1") : TaskOutcome.ok(), listener);
        assertFalse(result.succeeded());
        assertEquals("jobs.index", result.failedTask());
    }
}
