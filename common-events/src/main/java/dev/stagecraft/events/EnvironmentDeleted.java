package dev.stagecraft.events;

/** The environment was torn down and nothing of it is left. */
public record EnvironmentDeleted(String environmentId, String workflowId) implements LifecycleEvent {
}
