package dev.stagecraft.gateway.hosts;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * Bitbucket Cloud's REST API (2.0), for the state of pull requests, with a repository or workspace access token;
 * off without {@code stagecraft.bitbucket.token}.
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
}
