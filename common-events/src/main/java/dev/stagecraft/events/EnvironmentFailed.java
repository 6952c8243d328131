package dev.stagecraft.events;

/** A workflow of the environment failed; the environment keeps what it ran before, if anything. */
public record EnvironmentFailed(String environmentId, String workflowId, String reason) implements LifecycleEvent {
}
