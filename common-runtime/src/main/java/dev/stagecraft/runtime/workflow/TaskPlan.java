package dev.stagecraft.runtime.workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;

/**
 * A workflow of a spec compiled for one phase (setup, patch, teardown, pause or resume), each task resolved to what it
 * does. Every
 * runtime runs the same plan, so what a task means in a phase is decided here, once:
 * <ul>
 * <li>{@code services.<name>} deploys the service in setup and patch; a teardown does not deploy, so it is skipped
 * there, saying so.</li>
 * <li>{@code jobs.<name>} runs the job in every phase.</li>
 * <li>{@code release.remove_environment} removes the environment in a teardown, which always ends with it (it is
 * added as a last step when the template has none); in setup and patch it is skipped, saying so.</li>
 * <li>{@code services.all} and {@code jobs.all} are every service and every job (specs frozen before the compiler
 * wrote them out still hold them).</li>
 * <li>Anything else ({@code infrastructure.*}) is skipped, saying so; a service or job the spec does not have fails
 * its task.</li>
 * </ul>
 * A setup converges the environment to the spec: once its workflow has succeeded, the services of the environment
 * that the spec no longer has are removed ({@link #removesDroppedServices()}); a failed setup leaves them, so the
 * environment keeps serving what it served.
 * <p>
 * A pause stops every service at once (one step, each {@code services.<name>} a {@link Task.StopService}); nothing
 * else runs. A resume follows the setup workflow, so services start after those they depend on, but only starts
 * them again ({@link Task.StartService}): its jobs and the removal are skipped, saying so, since the environment's
 * data is as the pause left it.
 */
public record TaskPlan(Phase phase, WorkflowSpec workflow, Map<String, Task> tasks) {

    /** The phase a plan is for. */
    public enum Phase {
        SETUP, PATCH, TEARDOWN, PAUSE, RESUME
    }

    /** What one task of the workflow does. */
    public sealed interface Task {

        /** The task as the template names it ({@code services.web}). */
        String name();

        /** Deploys (creates or replaces) a service. */
        record DeployService(String name, ServiceSpec service) implements Task {
        }

        /** Runs a job to its end. */
        record RunJob(String name, JobSpec job) implements Task {
        }

        /** Stops a service and keeps everything it has (pause). */
        record StopService(String name, ServiceSpec service) implements Task {
        }

        /** Starts a stopped service again as it was and waits until it is ready (resume). */
        record StartService(String name, ServiceSpec service) implements Task {
        }

        /** Removes everything of the environment and checks nothing is left. */
        record RemoveEnvironment(String name) implements Task {
        }

        /** Not run in this phase; the reason is logged. */
        record Skip(String name, String reason) implements Task {
        }

        /** Names a service or job the spec does not have: the task fails with the reason. */
        record Invalid(String name, String reason) implements Task {
        }
    }

    /**
     * What a runtime does for each kind of task. A plan holds only the kinds of task its phase runs, so a runtime
     * implements only those for each phase; calling one a phase has none of is a bug, and says so.
     */
    public interface Handlers {

        /** Setup and patch plans have this task. */
        default WorkflowExecutor.TaskOutcome deploy(ServiceSpec service) throws Exception {
            throw new IllegalStateException("this plan deploys no service");
        }

        /** Setup, patch and teardown plans have this task. */
        default WorkflowExecutor.TaskOutcome run(JobSpec job) throws Exception {
            throw new IllegalStateException("this plan runs no job");
        }

        /** Only a teardown plan has this task. */
        default WorkflowExecutor.TaskOutcome removeEnvironment() throws Exception {
            throw new IllegalStateException("only a teardown removes the environment");
        }

        /** Only a pause plan has this task. */
        default WorkflowExecutor.TaskOutcome stop(ServiceSpec service) throws Exception {
            throw new IllegalStateException("only a pause stops a service");
        }

        /** Only a resume plan has this task. */
        default WorkflowExecutor.TaskOutcome start(ServiceSpec service) throws Exception {
            throw new IllegalStateException("only a resume starts a stopped service");
        }
    }

    public static TaskPlan setup(EnvironmentSpec spec) {
        return deploying(Phase.SETUP, spec);
    }

    public static TaskPlan patch(EnvironmentSpec spec) {
        return deploying(Phase.PATCH, spec);
    }

    /** The teardown plan of {@code spec}, or only the removal when the spec is not known. */
    public static TaskPlan teardown(EnvironmentSpec spec) {
        WorkflowSpec workflow = WorkflowExecutor.teardownWorkflow(spec == null ? Map.of() : spec.workflows());
        return compile(Phase.TEARDOWN, spec, workflow);
    }

    /** Every service of {@code spec} stopped at once; no job runs. */
    public static TaskPlan pause(EnvironmentSpec spec) {
        List<String> services = spec.services().stream().map(s -> "services." + s.name()).toList();
        return compile(Phase.PAUSE, spec, new WorkflowSpec("pause", List.of(new StepSpec("pause", services, true,
                true))));
    }

    /**
     * The setup workflow of {@code spec}, its services started again as they were and nothing else run; the services
     * the pause stopped that the setup workflow does not name are started in a last step, so none stays stopped.
     */
    public static TaskPlan resume(EnvironmentSpec spec) {
        WorkflowSpec setup = WorkflowExecutor.workflowOrDefault(spec.workflows(), "setup",
                spec.services().stream().map(s -> "services." + s.name()).toList());
        List<StepSpec> steps = new ArrayList<>(setup.steps());
        java.util.Set<String> named = new java.util.HashSet<>();
        steps.forEach(step -> step.tasks().forEach(task -> expand(task, spec).forEach(named::add)));
        List<String> rest = spec.services().stream().map(s -> "services." + s.name())
                .filter(task -> !named.contains(task)).toList();
        if (!rest.isEmpty()) {
            steps.add(new StepSpec("the other services", rest, true, true));
        }
        return compile(Phase.RESUME, spec, new WorkflowSpec("resume", steps));
    }

    /** Whether the services the spec no longer has are removed once the workflow has succeeded. */
    public boolean removesDroppedServices() {
        return phase == Phase.SETUP;
    }

    /** The task the workflow names {@code name}. */
    public Task task(String name) {
        return tasks.get(name);
    }

    /** Runs the plan with the runtime's handlers (see {@link WorkflowExecutor#run}). */
    public WorkflowExecutor.Result run(Handlers handlers, dev.stagecraft.runtime.RuntimeListener listener) {
        return WorkflowExecutor.run(workflow, name -> {
            Task task = tasks.get(name);
            if (task instanceof Task.DeployService deploy) {
                return handlers.deploy(deploy.service());
            }
            if (task instanceof Task.RunJob job) {
                return handlers.run(job.job());
            }
            if (task instanceof Task.StopService stop) {
                return handlers.stop(stop.service());
            }
            if (task instanceof Task.StartService start) {
                return handlers.start(start.service());
            }
            if (task instanceof Task.RemoveEnvironment) {
                return handlers.removeEnvironment();
            }
            if (task instanceof Task.Skip skip) {
                listener.log(skip.name(), "not run: " + skip.reason());
                return WorkflowExecutor.TaskOutcome.ok();
            }
            return WorkflowExecutor.TaskOutcome.failed(((Task.Invalid) task).reason());
        }, listener);
    }

    private static TaskPlan deploying(Phase phase, EnvironmentSpec spec) {
        String name = phase == Phase.SETUP ? "setup" : "patch";
        return compile(phase, spec, WorkflowExecutor.workflowOrDefault(spec.workflows(), name,
                spec.services().stream().map(s -> "services." + s.name()).toList()));
    }

    private static TaskPlan compile(Phase phase, EnvironmentSpec spec, WorkflowSpec given) {
        Map<String, Task> tasks = new LinkedHashMap<>();
        List<StepSpec> steps = new ArrayList<>();
        for (StepSpec step : given.steps()) {
            List<String> names = step.tasks().stream().flatMap(task -> expand(task, spec)).distinct().toList();
            names.forEach(task -> tasks.computeIfAbsent(task, t -> resolve(phase, spec, t)));
            steps.add(new StepSpec(step.name(), names, step.haltOnError(), step.waitForFinish()));
        }
        return new TaskPlan(phase, new WorkflowSpec(given.name(), steps), Map.copyOf(tasks));
    }

    private static Stream<String> expand(String task, EnvironmentSpec spec) {
        if (spec == null) {
            return Stream.of(task);
        }
        return switch (task) {
            case "services.all" -> spec.services().stream().map(s -> "services." + s.name());
            case "jobs.all" -> spec.jobs().stream().map(j -> "jobs." + j.name());
            default -> Stream.of(task);
        };
    }

    private static Task resolve(Phase phase, EnvironmentSpec spec, String task) {
        if (task.equals(WorkflowExecutor.REMOVE_ENVIRONMENT)) {
            return phase == Phase.TEARDOWN ? new Task.RemoveEnvironment(task)
                    : new Task.Skip(task, "the environment is removed only by a teardown");
        }
        if (task.startsWith("services.")) {
            if (phase == Phase.TEARDOWN) {
                return new Task.Skip(task, "a teardown deploys no service; it runs jobs.* tasks and the removal");
            }
            String name = task.substring("services.".length());
            return spec.services().stream().filter(s -> s.name().equals(name)).findFirst()
                    .<Task>map(s -> switch (phase) {
                        case PAUSE -> new Task.StopService(task, s);
                        case RESUME -> new Task.StartService(task, s);
                        default -> new Task.DeployService(task, s);
                    })
                    .orElseGet(() -> new Task.Invalid(task, "no service '" + name + "' in the spec"));
        }
        if (task.startsWith("jobs.") && phase == Phase.RESUME) {
            return new Task.Skip(task, "a resume runs no job: the environment's data is as the pause left it");
        }
        if (task.startsWith("jobs.")) {
            String name = task.substring("jobs.".length());
            if (spec == null) {
                return new Task.Skip(task, "the environment's spec is not known, so neither is its job '" + name + "'");
            }
            return spec.jobs().stream().filter(j -> j.name().equals(name)).findFirst()
                    .<Task>map(j -> new Task.RunJob(task, j))
                    .orElseGet(() -> new Task.Invalid(task, "no job '" + name + "' in the spec"));
        }
        return new Task.Skip(task, "Stagecraft runs services.*, jobs.* and release.remove_environment tasks only");
    }
}
