package dev.stagecraft.events;

/** The gateway created an environment; {@code pullRequest} is null for branch environments. */
public record EnvironmentCreated(String environmentId, String workflowId, String application, String branch,
        Integer pullRequest, String kind) implements LifecycleEvent {
}
