package dev.stagecraft.events;

/** Every service of the environment is stopped; everything else is kept. */
public record PauseSucceeded(String environmentId, String workflowId) implements StageOutcome.Succeeded {
}
