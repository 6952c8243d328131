package dev.stagecraft.events;

import java.util.Map;

/**
 * Start the services of a paused environment again exactly as they were: {@code commit}, {@code spec} and
 * {@code images} are what it ran when it was paused.
 */
public record ResumeRequested(String environmentId, String workflowId, String commit, EnvironmentSpec spec,
        Map<String, String> images) implements DeployRequested {
}
