package dev.stagecraft.gateway.environments;

/** The status of a workflow run, knowing whether it is complete. */
public enum WorkflowStatus {
    RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean complete() {
        return this != RUNNING;
    }
}
