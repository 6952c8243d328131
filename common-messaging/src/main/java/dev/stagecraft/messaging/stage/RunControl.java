package dev.stagecraft.messaging.stage;

import java.util.concurrent.TimeUnit;

import dev.stagecraft.events.TaskFinished;
import dev.stagecraft.events.TaskListener;
import dev.stagecraft.events.TaskStarted;
import io.opentelemetry.context.Context;

/** What a running {@link StageHandler} can do besides its work: notice cancellation, report tasks, stream logs. */
public final class RunControl implements TaskListener {

    private final String environmentId;
    private final String workflowId;
    private final String causationId;
    private final StageRuns runs;
    private volatile String cancelReason;
    /** {@link System#nanoTime()} when the handler began, 0 while it is not working. */
    private volatile long workingSince;
    /** The run's span, for what is published for the run from other threads (heartbeats). */
    private volatile Context trace = Context.root();

    RunControl(String environmentId, String workflowId, String causationId, StageRuns runs) {
        this.environmentId = environmentId;
        this.workflowId = workflowId;
        this.causationId = causationId;
        this.runs = runs;
    }

    String environmentId() {
        return environmentId;
    }

    String workflowId() {
        return workflowId;
    }

    String causationId() {
        return causationId;
    }

    void trace(Context context) {
        trace = context;
    }

    Context trace() {
        return trace;
    }

    void working(boolean working) {
        workingSince = working ? System.nanoTime() | 1 : 0;
    }

    /** How long the handler has been working, in whole seconds; -1 while it is not. */
    long workingForSeconds() {
        long since = workingSince;
        return since == 0 ? -1 : TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

    void cancel(String reason) {
        cancelReason = reason == null ? "cancelled" : reason;
    }

    public boolean cancelled() {
        return cancelReason != null;
    }

    /** Stops the work at a safe point when the workflow was cancelled. */
    @Override
    public void checkCancelled() {
        if (cancelReason != null) {
            throw new RunCancelledException(cancelReason);
        }
    }

    @Override
    public void taskStarted(String task) {
        runs.publishNow(new TaskStarted(environmentId, workflowId, task), causationId);
    }

    @Override
    public void taskFinished(String task, boolean succeeded, String message) {
        runs.publishNow(new TaskFinished(environmentId, workflowId, task, succeeded ? "SUCCEEDED" : "FAILED", message),
                causationId);
    }

    @Override
    public void log(String source, String line) {
        runs.log(environmentId, workflowId, source, line);
    }
}
