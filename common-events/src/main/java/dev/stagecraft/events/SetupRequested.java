package dev.stagecraft.events;

import java.util.Map;

/** Create the environment's infrastructure and start every service from {@code images} (service name to image). */
public record SetupRequested(String environmentId, String workflowId, String commit, EnvironmentSpec spec,
        Map<String, String> images) implements DeployRequested {
}
