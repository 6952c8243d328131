package dev.stagecraft.gateway.github;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.hosts.GitHostApi;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.gateway.hosts.RepositoryPaths;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * The few GitHub REST calls Stagecraft makes, with the installation's token: commit statuses, the pull request
 * comment, and a pull request's state. Off when {@code stagecraft.github.token} is not set.
 */
@ApplicationScoped
public class GitHubApi extends GitHostApi<GitHubClient> {

    public GitHubApi() {
        super("github", "GitHub", GatewayConfig::github, GitHubClient.class,
                token -> Map.of("Authorization", "Bearer " + token));
    }

    /** Sets the commit status {@code context} of {@code sha}: pending, success, failure or error. */
    @ApplyGuard("github")
    public void commitStatus(String repository, String sha, String state, String description, String targetUrl,
            String context) {
        String text = description.length() > 140 ? description.substring(0, 137) + "..." : description;
        ask(github -> github.createStatus(repository, sha, new GitHubClient.Status(state, targetUrl, text, context)));
    }

    /** Posts a comment on pull request {@code number} and returns its id. */
    @ApplyGuard("github")
    public long createComment(String repository, int number, String markdown) {
        return ask(github -> github.createComment(repository, number, new GitHubClient.Comment(null, markdown))).id();
    }

    @ApplyGuard("github")
    public void updateComment(String repository, long commentId, String markdown) {
        ask(github -> github.updateComment(repository, commentId, new GitHubClient.Comment(null, markdown)));
    }

    @Override
    @ApplyGuard("github")
    public boolean isOpen(String repositoryUrl, int number) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        return "open".equals(ask(github -> github.pullRequest(repository, number)).state());
    }

    /** owner/name of a GitHub repository URL (https, ssh or git), or empty when it has no such path. */
    public static Optional<String> repository(String url) {
        try {
            return Optional.of(RepositoryPaths.ownerAndName(url));
        } catch (HostApiException e) {
            return Optional.empty();
        }
    }
}
