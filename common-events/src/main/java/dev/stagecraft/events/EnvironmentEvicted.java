package dev.stagecraft.events;

/**
 * The environment was evicted to make room for {@code forEnvironment} under its application's limit of running
 * environments: {@code action} {@code paused} (the first time) or {@code torn-down} (it was paused and not used since).
 */
public record EnvironmentEvicted(String environmentId, String workflowId, String action, String forEnvironment,
        String reason) implements LifecycleEvent {
}
