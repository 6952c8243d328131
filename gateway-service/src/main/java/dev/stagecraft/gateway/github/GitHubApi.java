package dev.stagecraft.gateway.github;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.hosts.CommitStatus;
import dev.stagecraft.gateway.hosts.GitHostApi;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.gateway.hosts.RepositoryPaths;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * The few GitHub REST calls Stagecraft makes, with the installation's token: commit statuses, the pull request
 * comment, deployments and their statuses, and a pull request's state. Off when {@code stagecraft.github.token} is
 * not set.
 */
@ApplicationScoped
public class GitHubApi extends GitHostApi<GitHubClient> {

    public GitHubApi() {
        super("github", "GitHub", GatewayConfig::github, GitHubClient.class,
                token -> Map.of("Authorization", "Bearer " + token));
    }

    /** GitHub has no running or cancelled: pending, success, failure, and error for a workflow that was stopped. */
    @Override
    @ApplyGuard("github")
    public void commitStatus(String repositoryUrl, String sha, CommitStatus status) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        String state = switch (status.state()) {
            case RUNNING -> "pending";
            case SUCCESS -> "success";
            case FAILURE -> "failure";
            case CANCELLED -> "error";
        };
        ask(github -> github.createStatus(repository, sha, new GitHubClient.Status(state, status.targetUrl(),
                status.description(), status.name())));
    }

    @Override
    @ApplyGuard("github")
    public long createComment(String repositoryUrl, int number, String markdown) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        return ask(github -> github.createComment(repository, number, new GitHubClient.Comment(null, markdown))).id();
    }

    /** An issue comment's id is the repository's: the pull request's number is not part of the call. */
    @Override
    @ApplyGuard("github")
    public void updateComment(String repositoryUrl, int number, long commentId, String markdown) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        ask(github -> github.updateComment(repository, commentId, new GitHubClient.Comment(null, markdown)));
    }

    /**
     * Creates a deployment of commit {@code sha} to {@code environment} (transient: it goes away with its pull
     * request) and returns its id; no merge, no required status checks.
     */
    @ApplyGuard("github")
    public long createDeployment(String repositoryUrl, String sha, String environment, boolean transientEnvironment,
            String description) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        Long id = ask(github -> github.createDeployment(repository, new GitHubClient.Deployment(null, sha, environment,
                description, transientEnvironment, false, false, List.of()))).id();
        if (id == null) {
            throw HostApiException.cannotAsk("GitHub made no deployment of " + sha + " to " + environment);
        }
        return id;
    }

    /** Adds a status to deployment {@code id}: in_progress, success, failure or inactive. */
    @ApplyGuard("github")
    public void deploymentStatus(String repositoryUrl, long id, String state, String description,
            String environmentUrl) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        String text = description.length() > 140 ? description.substring(0, 137) + "..." : description;
        ask(github -> github.createDeploymentStatus(repository, id, new GitHubClient.DeploymentStatus(state, text,
                environmentUrl)));
    }

    @Override
    @ApplyGuard("github")
    public boolean isOpen(String repositoryUrl, int number) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        return "open".equals(ask(github -> github.pullRequest(repository, number)).state());
    }
}
