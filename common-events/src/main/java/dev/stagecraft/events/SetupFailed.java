package dev.stagecraft.events;

/** The setup stopped; {@code task} names the task that failed (null when none had started). */
public record SetupFailed(String environmentId, String workflowId, String task, String reason)
        implements StageOutcome.Failed {
}
