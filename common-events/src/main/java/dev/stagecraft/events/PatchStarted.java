package dev.stagecraft.events;

/** The patch-service accepted the command and started work. */
public record PatchStarted(String environmentId, String workflowId) implements LifecycleEvent {
}
