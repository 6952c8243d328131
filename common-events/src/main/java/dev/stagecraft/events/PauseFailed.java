package dev.stagecraft.events;

/** The pause stopped; {@code task} names the service that could not be stopped (null when none had started). */
public record PauseFailed(String environmentId, String workflowId, String task, String reason)
        implements StageOutcome.Failed {
}
