package dev.stagecraft.events;

/** The build-service accepted a build and started cloning. */
public record BuildStarted(String environmentId, String workflowId, String commit) implements LifecycleEvent {
}
