package dev.stagecraft.events;

import java.util.Map;

/** The environment serves {@code commit} at {@code endpoints}. */
public record EnvironmentReady(String environmentId, String workflowId, String commit, Map<String, String> endpoints)
        implements LifecycleEvent {
}
