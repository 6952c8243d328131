package dev.stagecraft.gateway.hosts;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.ApplyGuard;

/** GitLab's REST API (v4), for the state of merge requests; off without {@code stagecraft.gitlab.token}. */
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
}
