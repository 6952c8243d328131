package dev.stagecraft.events;

import java.util.Map;

/** The paused environment serves {@code commit} at {@code endpoints} again. */
public record EnvironmentResumed(String environmentId, String workflowId, String commit,
        Map<String, String> endpoints) implements LifecycleEvent {
}
