package dev.stagecraft.gateway.hosts;

import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bitbucket Cloud's REST API (2.0), for the state of pull requests, with a repository or workspace access token;
 * off without {@code stagecraft.bitbucket.token}.
 */
@ApplicationScoped
public class BitbucketApi implements PullRequestStates {

    @ConfigProperty(name = "stagecraft.bitbucket.token")
    Optional<String> token;

    @ConfigProperty(name = "stagecraft.bitbucket.api-url", defaultValue = "https://api.bitbucket.org/2.0")
    String apiUrl;

    @Override
    public String provider() {
        return "bitbucket";
    }

    @Override
    public String displayName() {
        return "Bitbucket";
    }

    @Override
    public boolean enabled() {
        return token.isPresent() && !token.get().isBlank();
    }

    /** OPEN is open; MERGED, DECLINED and SUPERSEDED are not. */
    @Override
    public boolean isOpen(String repositoryUrl, int number) {
        String repository = HostHttp.ownerAndName(repositoryUrl);
        return "OPEN".equals(HostHttp.call("GET", apiUrl.replaceAll("/$", "") + "/repositories/" + repository
                + "/pullrequests/" + number, Map.of("Authorization", "Bearer " + token.orElseThrow()), null)
                .path("state").asText());
    }
}
