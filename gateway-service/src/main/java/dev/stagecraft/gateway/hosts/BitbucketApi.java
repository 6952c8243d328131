package dev.stagecraft.gateway.hosts;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * Bitbucket Cloud's REST API (2.0): pull request states, commit build statuses and the pull request comment, with a
 * repository or workspace access token; off without {@code stagecraft.bitbucket.token}.
 */
@ApplicationScoped
public class BitbucketApi extends GitHostApi<BitbucketClient> {

    public BitbucketApi() {
        super("bitbucket", "Bitbucket", GatewayConfig::bitbucket, BitbucketClient.class,
                token -> Map.of("Authorization", "Bearer " + token));
    }

    /** OPEN is open; MERGED, DECLINED and SUPERSEDED are not. */
    @Override
    @ApplyGuard("bitbucket")
    public boolean isOpen(String repositoryUrl, int number) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        return "OPEN".equals(ask(bitbucket -> bitbucket.pullRequest(repository, number)).state());
    }

    /** Bitbucket Cloud refuses a build status key longer than this. */
    static final int KEY = 40;

    /**
     * Bitbucket wants a URL with every build status: without the environment's own, the status links to the commit
     * on bitbucket.org. The key is the status's name, or a stable one made from it when the name is too long.
     */
    @Override
    @ApplyGuard("bitbucket")
    public void commitStatus(String repositoryUrl, String sha, CommitStatus status) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        String state = switch (status.state()) {
            case RUNNING -> "INPROGRESS";
            case SUCCESS -> "SUCCESSFUL";
            case FAILURE -> "FAILED";
            case CANCELLED -> "STOPPED";
        };
        String url = status.targetUrl() != null ? status.targetUrl()
                : "https://bitbucket.org/" + repository + "/commits/" + sha;
        BitbucketClient.BuildStatus build = new BitbucketClient.BuildStatus(key(status.name()), state, url,
                status.name(), status.description());
        ask(bitbucket -> bitbucket.createStatus(repository, sha, build));
    }

    static String key(String name) {
        return name.length() <= KEY ? name : "stagecraft-" + SpecHash.sha256(name).substring(0, KEY - 11);
    }

    @Override
    @ApplyGuard("bitbucket")
    public long createComment(String repositoryUrl, int number, String markdown) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        return ask(bitbucket -> bitbucket.createComment(repository, number, BitbucketClient.Comment.of(markdown)))
                .id();
    }

    @Override
    @ApplyGuard("bitbucket")
    public void updateComment(String repositoryUrl, int number, long commentId, String markdown) {
        String repository = RepositoryPaths.ownerAndName(repositoryUrl);
        ask(bitbucket -> bitbucket.updateComment(repository, number, commentId, BitbucketClient.Comment.of(markdown)));
    }
}
