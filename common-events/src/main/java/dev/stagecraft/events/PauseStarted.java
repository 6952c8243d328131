package dev.stagecraft.events;

/** The patch-service accepted a PauseRequested and started work. */
public record PauseStarted(String environmentId, String workflowId) implements LifecycleEvent {
}
