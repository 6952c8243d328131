package dev.stagecraft.events;

/** The resume stopped; {@code task} names the service that did not come back (null when none had started). */
public record ResumeFailed(String environmentId, String workflowId, String task, String reason)
        implements StageOutcome.Failed {
}
