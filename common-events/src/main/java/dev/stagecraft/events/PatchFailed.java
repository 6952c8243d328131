package dev.stagecraft.events;

/** The patch stopped; {@code task} names the task that failed (null when none had started). */
public record PatchFailed(String environmentId, String workflowId, String task, String reason)
        implements StageOutcome.Failed {
}
