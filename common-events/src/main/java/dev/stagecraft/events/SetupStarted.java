package dev.stagecraft.events;

/** The setup-service accepted the command and started work. */
public record SetupStarted(String environmentId, String workflowId) implements LifecycleEvent {
}
