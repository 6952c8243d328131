package dev.stagecraft.runtime.workflow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.RuntimeSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

/**
 * Runs a workflow of the template step by step, the same way for every runtime: the steps in order, the tasks of a
 * step in parallel; a step with {@code wait_for_finish: false} runs on while later steps start (its tasks are waited
 * for at the end); a failed task of a step with {@code halt_on_error} stops the workflow, naming the task and why;
 * without it the failure is reported and the workflow goes on. Every task is reported started and finished, and is a
 * span ({@code task <name>}) in the trace of the caller, on whichever thread of the pool it runs.
 */
public final class WorkflowExecutor {

    /** Runs one task ("services.web", "jobs.migrate", ...) to its end and says how it went. */
    @FunctionalInterface
    public interface TaskRunner {
        TaskOutcome run(String task) throws Exception;
    }

    /** How one task ended; {@code reason} says why it failed. */
    public record TaskOutcome(boolean succeeded, String reason) {

        public static TaskOutcome ok() {
            return new TaskOutcome(true, null);
        }

        public static TaskOutcome failed(String reason) {
            return new TaskOutcome(false, reason);
        }
    }

    /** How the workflow ended: the outcome of every task that ran, and the task that stopped it, if one did. */
    public record Result(boolean succeeded, String failedTask, String reason, Map<String, TaskOutcome> tasks) {
    }

    private record Running(String task, boolean haltOnError, Future<TaskOutcome> future) {
    }

    private WorkflowExecutor() {
    }

    public static Result run(WorkflowSpec workflow, TaskRunner runner, RuntimeListener listener) {
        int parallelism = Math.max(1, workflow.steps().stream().mapToInt(s -> s.tasks().size()).sum());
        // tasks run in the context they were submitted in: the stage run's span is their parent
        ExecutorService pool = Context.taskWrapping(Executors.newFixedThreadPool(Math.min(parallelism, 16), r -> {
            Thread t = new Thread(r, "workflow-" + workflow.name());
            t.setDaemon(true);
            return t;
        }));
        Map<String, TaskOutcome> outcomes = new LinkedHashMap<>();
        List<Running> background = new ArrayList<>();
        try {
            for (StepSpec step : workflow.steps()) {
                listener.checkCancelled();
                List<Running> running = new ArrayList<>();
                for (String task : step.tasks()) {
                    running.add(new Running(task, step.haltOnError(), pool.submit(() -> runOne(task, runner, listener))));
                }
                if (!step.waitForFinish()) {
                    background.addAll(running);
                    continue;
                }
                Result stop = collect(running, outcomes, listener);
                if (stop != null) {
                    cancel(background);
                    return stop;
                }
            }
            Result stop = collect(background, outcomes, listener);
            return stop != null ? stop : new Result(true, null, null, outcomes);
        } finally {
            pool.shutdownNow();
        }
    }

    private static TaskOutcome runOne(String task, TaskRunner runner, RuntimeListener listener) {
        return RuntimeSpans.inSpan("task " + task, null, span -> span.setAttribute("stagecraft.task", task), () -> {
            listener.taskStarted(task);
            TaskOutcome outcome;
            try {
                outcome = runner.run(task);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = TaskOutcome.failed("cancelled");
            } catch (Exception e) {
                listener.checkCancelled(); // a task that failed because the workflow was cancelled ends the workflow
                outcome = TaskOutcome.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (!outcome.succeeded()) {
                Span.current().setStatus(StatusCode.ERROR, String.valueOf(outcome.reason()));
            }
            listener.taskFinished(task, outcome.succeeded(), outcome.reason());
            return outcome;
        });
    }

    /** Waits for {@code running}; returns the failure that halts the workflow, or null. */
    private static Result collect(List<Running> running, Map<String, TaskOutcome> outcomes, RuntimeListener listener) {
        Result halt = null;
        for (Running r : running) {
            TaskOutcome outcome;
            try {
                outcome = r.future().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel(running);
                listener.checkCancelled();
                outcome = TaskOutcome.failed("cancelled");
            } catch (CancellationException e) {
                outcome = TaskOutcome.failed("cancelled");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    cancel(running);
                    throw runtime;
                }
                outcome = TaskOutcome.failed(String.valueOf(e.getCause()));
            }
            outcomes.put(r.task(), outcome);
            if (!outcome.succeeded()) {
                if (r.haltOnError() && halt == null) {
                    halt = new Result(false, r.task(), outcome.reason(), outcomes);
                } else if (!r.haltOnError()) {
                    listener.log(r.task(), "failed, and the workflow goes on (halt_on_error is off): "
                            + outcome.reason());
                }
            }
        }
        return halt;
    }

    private static void cancel(List<Running> running) {
        running.forEach(r -> r.future().cancel(true));
    }

    /** The task that removes the environment, last in every teardown workflow. */
    public static final String REMOVE_ENVIRONMENT = "release.remove_environment";

    /**
     * The spec's teardown workflow with {@link #REMOVE_ENVIRONMENT} as a last step when it has none: whatever the
     * template says, teardown ends with the removal.
     */
    public static WorkflowSpec teardownWorkflow(Map<String, WorkflowSpec> workflows) {
        WorkflowSpec wf = workflowOrDefault(workflows, "teardown", List.of(REMOVE_ENVIRONMENT));
        if (wf.steps().stream().anyMatch(s -> s.tasks().contains(REMOVE_ENVIRONMENT))) {
            return wf;
        }
        List<StepSpec> steps = new ArrayList<>(wf.steps());
        steps.add(new StepSpec("remove", List.of(REMOVE_ENVIRONMENT), true, true));
        return new WorkflowSpec("teardown", steps);
    }

    /** The workflow {@code name} of a spec, or one step running {@code defaultTasks} in parallel when it has none. */
    public static WorkflowSpec workflowOrDefault(Map<String, WorkflowSpec> workflows, String name,
            List<String> defaultTasks) {
        WorkflowSpec wf = workflows.get(name);
        if (wf != null && !wf.steps().isEmpty()) {
            return wf;
        }
        return new WorkflowSpec(name, List.of(new StepSpec(name, defaultTasks, true, true)));
    }
}
