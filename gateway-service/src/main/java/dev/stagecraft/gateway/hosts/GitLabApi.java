package dev.stagecraft.gateway.hosts;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * GitLab's REST API (v4): merge request states, commit statuses and the merge request note; off without
 * {@code stagecraft.gitlab.token}.
 */
@ApplicationScoped
public class GitLabApi extends GitHostApi<GitLabClient> {

    public GitLabApi() {
        super("gitlab", "GitLab", GatewayConfig::gitlab, GitLabClient.class,
                token -> Map.of("PRIVATE-TOKEN", token));
    }

    /** opened is open; closed, merged and locked are not. */
    @Override
    @ApplyGuard("gitlab")
    public boolean isOpen(String repositoryUrl, int number) {
        String project = RepositoryPaths.repositoryPath(repositoryUrl);
        return "opened".equals(ask(gitlab -> gitlab.mergeRequest(project, number)).state());
    }

    /**
     * A status GitLab already holds in the same state (running, then running again when the setup follows the
     * build) is refused with 400 "Cannot transition status via :run from :running": that is not a failure.
     */
    @Override
    @ApplyGuard("gitlab")
    public void commitStatus(String repositoryUrl, String sha, CommitStatus status) {
        String project = RepositoryPaths.repositoryPath(repositoryUrl);
        String state = switch (status.state()) {
            case RUNNING -> "running";
            case SUCCESS -> "success";
            case FAILURE -> "failed";
            case CANCELLED -> "canceled";
        };
        try {
            ask(gitlab -> gitlab.createStatus(project, sha, new GitLabClient.Status(state, status.name(),
                    status.targetUrl(), status.description())));
        } catch (HostApiException e) {
            if (e.status() != 400 || !e.getMessage().contains("Cannot transition status")) {
                throw e;
            }
        }
    }

    @Override
    @ApplyGuard("gitlab")
    public long createComment(String repositoryUrl, int number, String markdown) {
        String project = RepositoryPaths.repositoryPath(repositoryUrl);
        return ask(gitlab -> gitlab.createNote(project, number, new GitLabClient.Note(null, markdown))).id();
    }

    @Override
    @ApplyGuard("gitlab")
    public void updateComment(String repositoryUrl, int number, long commentId, String markdown) {
        String project = RepositoryPaths.repositoryPath(repositoryUrl);
        ask(gitlab -> gitlab.updateNote(project, number, commentId, new GitLabClient.Note(null, markdown)));
    }
}
