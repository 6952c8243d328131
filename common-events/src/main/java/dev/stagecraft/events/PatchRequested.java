package dev.stagecraft.events;

import java.util.Map;

/** Roll the services of an environment that is already set up whose image differs from {@code images}. */
public record PatchRequested(String environmentId, String workflowId, String commit, EnvironmentSpec spec,
        Map<String, String> images) implements DeployRequested {
}
