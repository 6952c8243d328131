package dev.stagecraft.events;

/** The teardown-service accepted the command and started work. */
public record TeardownStarted(String environmentId, String workflowId) implements LifecycleEvent {
}
