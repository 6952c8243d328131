package dev.stagecraft.events;

/** Build every service of {@code spec} that has a build context, from {@code repositoryUrl} at {@code commit}. */
public record BuildRequested(String environmentId, String workflowId, String application, String repositoryUrl,
        String branch, String commit, EnvironmentSpec spec) implements Command {
}
