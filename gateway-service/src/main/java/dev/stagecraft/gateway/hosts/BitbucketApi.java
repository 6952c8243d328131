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
public class BitbucketApi extends GitHostApi {

    public BitbucketApi() {
        super("bitbucket", "Bitbucket", GatewayConfig::bitbucket);
    }

    @Override
    protected Map<String, String> credentials(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** OPEN is open; MERGED, DECLINED and SUPERSEDED are not. */
    @Override
    @ApplyGuard("bitbucket")
    public boolean isOpen(String repositoryUrl, int number) {
        return "OPEN".equals(call("GET", "/repositories/" + HostHttp.ownerAndName(repositoryUrl) + "/pullrequests/"
                + number, Map.of(), null).path("state").asText());
    }
}
