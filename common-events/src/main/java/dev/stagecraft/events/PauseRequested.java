package dev.stagecraft.events;

import java.util.Map;

/**
 * Stop every service of an environment and keep the rest (network or namespace, volumes, configuration, images):
 * {@code commit}, {@code spec} and {@code images} are what it runs, as deployed.
 */
public record PauseRequested(String environmentId, String workflowId, String commit, EnvironmentSpec spec,
        Map<String, String> images) implements DeployRequested {
}
