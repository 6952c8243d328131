package dev.stagecraft.events;

/** The environment is paused: its services are stopped, {@code commit} stays deployed and comes back on resume. */
public record EnvironmentPaused(String environmentId, String workflowId, String commit) implements LifecycleEvent {
}
