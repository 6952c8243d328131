package dev.stagecraft.events;

import java.util.Map;

/**
 * Stop every service of an environment and keep the rest (network or namespace, volumes, configuration, images):
 * {@code commit}, {@code spec} and {@code images} are what it runs, as deployed. {@code wakeUpstream}, when set, makes
 * the pause a sleep: the router keeps the environment's host names and hands their requests to the gateway's wake
 * endpoint at that address ({@code host:port}), which resumes the environment and lets the request through; null:
 * the host names are taken off the router.
 */
public record PauseRequested(String environmentId, String workflowId, String commit, EnvironmentSpec spec,
        Map<String, String> images, String wakeUpstream) implements DeployRequested {
}
