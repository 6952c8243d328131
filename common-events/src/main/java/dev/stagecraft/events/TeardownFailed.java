package dev.stagecraft.events;

/** The teardown stopped; {@code task} names the task that failed (null when none had started). */
public record TeardownFailed(String environmentId, String workflowId, String task, String reason)
        implements StageOutcome.Failed {
}
