package dev.stagecraft.runtime.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.workflow.TaskPlan.Task;
import dev.stagecraft.runtime.workflow.WorkflowExecutor.TaskOutcome;

/** What each task means in each phase, decided once for both runtimes. */
class TaskPlanTest {

    private static final JobSpec MIGRATE = new JobSpec("migrate", "web", null, List.of("migrate"), List.of(), Map.of(),
            60, true);
    private static final JobSpec BACKUP = new JobSpec("backup", "web", null, List.of("backup"), List.of(), Map.of(),
            60, true);

    private static EnvironmentSpec spec(Map<String, WorkflowSpec> workflows) {
        return new EnvironmentSpec("app", List.of(new ServiceSpec("web", "web:1", null, 8080, Map.of()),
                new ServiceSpec("api", "api:1", null, 8080, Map.of())), Map.of(), List.of(MIGRATE, BACKUP), workflows,
                Map.of(), List.of(), null, null);
    }

    private static WorkflowSpec workflow(String name, List<String> tasks) {
        return new WorkflowSpec(name, List.of(new StepSpec("only", tasks, true, true)));
    }

    /** Every handler call and log line, in order. */
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final RuntimeListener listener = RuntimeListener.of(t -> { }, (t, ok, m) -> { },
            (source, line) -> calls.add("log " + source + ": " + line), () -> { });
    private final TaskPlan.Handlers handlers = new TaskPlan.Handlers() {
        @Override
        public TaskOutcome deploy(ServiceSpec service) {
            calls.add("deploy " + service.name());
            return TaskOutcome.ok();
        }

        @Override
        public TaskOutcome run(JobSpec job) {
            calls.add("run " + job.name());
            return TaskOutcome.ok();
        }

        @Override
        public TaskOutcome removeEnvironment() {
            calls.add("remove");
            return TaskOutcome.ok();
        }

        @Override
        public TaskOutcome stop(ServiceSpec service) {
            calls.add("stop " + service.name());
            return TaskOutcome.ok();
        }

        @Override
        public TaskOutcome start(ServiceSpec service) {
            calls.add("start " + service.name());
            return TaskOutcome.ok();
        }
    };

    @Test
    void setupDeploysServicesRunsJobsAndSkipsTheRemovalSayingWhy() {
        TaskPlan plan = TaskPlan.setup(spec(Map.of("setup", workflow("setup", List.of("jobs.migrate",
                "services.all", "release.remove_environment", "infrastructure.db")))));

        assertTrue(plan.removesDroppedServices());
        assertEquals(List.of("jobs.migrate", "services.web", "services.api", "release.remove_environment",
                "infrastructure.db"), plan.workflow().steps().get(0).tasks(), "services.all is every service");
        assertTrue(plan.task("services.api") instanceof Task.DeployService);
        assertTrue(plan.task("jobs.migrate") instanceof Task.RunJob);
        assertTrue(plan.run(handlers, listener).succeeded());
        assertTrue(calls.containsAll(List.of("run migrate", "deploy web", "deploy api",
                "log release.remove_environment: not run: the environment is removed only by a teardown",
                "log infrastructure.db: not run: Stagecraft runs services.*, jobs.* and release.remove_environment"
                        + " tasks only")), calls.toString());
        assertFalse(calls.contains("remove"));
    }

    @Test
    void aTeardownDeploysNoServiceRunsItsJobsAndEndsWithTheRemoval() {
        TaskPlan plan = TaskPlan.teardown(spec(Map.of("teardown", workflow("teardown", List.of("jobs.backup",
                "services.web")))));

        assertFalse(plan.removesDroppedServices());
        assertEquals(2, plan.workflow().steps().size(), "the removal is added as a last step");
        assertTrue(plan.task("services.web") instanceof Task.Skip);
        assertTrue(plan.run(handlers, listener).succeeded());
        assertEquals(List.of("run backup", "log services.web: not run: a teardown deploys no service; it runs jobs.*"
                + " tasks and the removal", "remove").stream().sorted().toList(),
                calls.stream().sorted().toList());
        assertEquals("remove", calls.get(calls.size() - 1), "the removal comes last: " + calls);
    }

    @Test
    void aTeardownWithoutASpecOnlyRemoves() {
        TaskPlan plan = TaskPlan.teardown(null);

        assertTrue(plan.run(handlers, listener).succeeded());
        assertEquals(List.of("remove"), calls);
    }

    @Test
    void aPatchWithoutAWorkflowDeploysEveryServiceAndATaskOfNothingFails() {
        TaskPlan patch = TaskPlan.patch(spec(Map.of()));
        assertFalse(patch.removesDroppedServices());
        assertEquals(List.of("services.web", "services.api"), patch.workflow().steps().get(0).tasks());

        TaskPlan broken = TaskPlan.setup(spec(Map.of("setup", workflow("setup", List.of("services.gone")))));
        WorkflowExecutor.Result result = broken.run(handlers, listener);
        assertFalse(result.succeeded());
        assertEquals("no service 'gone' in the spec", result.reason());
    }

    @Test
    void aPauseStopsEveryServiceAtOnceAndRunsNothingElse() {
        TaskPlan plan = TaskPlan.pause(spec(Map.of("setup", workflow("setup", List.of("jobs.migrate",
                "services.all")), "teardown", workflow("teardown", List.of("jobs.backup")))));

        assertFalse(plan.removesDroppedServices());
        assertEquals(1, plan.workflow().steps().size(), "one step: every service stops at the same time");
        assertEquals(List.of("services.web", "services.api"), plan.workflow().steps().get(0).tasks());
        assertTrue(plan.task("services.web") instanceof Task.StopService);
        assertTrue(plan.run(handlers, listener).succeeded());
        assertEquals(List.of("stop api", "stop web"), calls.stream().sorted().toList(), "no job, no removal");
    }

    @Test
    void aResumeStartsServicesInTheSetupWorkflowsOrderAndSkipsItsJobsSayingWhy() {
        WorkflowSpec setup = new WorkflowSpec("setup", List.of(new StepSpec("backend", List.of("services.api"), true,
                true), new StepSpec("migrate", List.of("jobs.migrate"), true, true), new StepSpec("frontend",
                        List.of("services.web"), true, true)));
        TaskPlan plan = TaskPlan.resume(spec(Map.of("setup", setup)));

        assertFalse(plan.removesDroppedServices());
        assertTrue(plan.task("services.api") instanceof Task.StartService);
        assertTrue(plan.task("jobs.migrate") instanceof Task.Skip);
        assertTrue(plan.run(handlers, listener).succeeded());
        assertEquals(List.of("start api", "log jobs.migrate: not run: a resume runs no job: the environment's data is"
                + " as the pause left it", "start web"), calls, "api before web, as the setup started them");
    }

    /** A resume starts every service the pause stopped, also one the template's setup workflow does not name. */
    @Test
    void aResumeStartsTheServicesTheSetupWorkflowLeavesOutLast() {
        TaskPlan plan = TaskPlan.resume(spec(Map.of("setup", workflow("setup", List.of("services.web")))));

        assertEquals(List.of(List.of("services.web"), List.of("services.api")), plan.workflow().steps().stream()
                .map(StepSpec::tasks).toList());
    }
}
