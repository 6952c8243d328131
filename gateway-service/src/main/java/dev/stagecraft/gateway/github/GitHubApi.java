package dev.stagecraft.gateway.github;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.hosts.GitHostApi;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.gateway.hosts.HostHttp;
import io.smallrye.faulttolerance.api.ApplyGuard;

/**
 * The few GitHub REST calls Stagecraft makes, with the installation's token: commit statuses, the pull request
 * comment, and a pull request's state. Off when {@code stagecraft.github.token} is not set.
 */
@ApplicationScoped
public class GitHubApi extends GitHostApi {

    private static final Map<String, String> HEADERS = Map.of("Accept", "application/vnd.github+json",
            "X-GitHub-Api-Version", "2022-11-28");

    public GitHubApi() {
        super("github", "GitHub", GatewayConfig::github);
    }

    @Override
    protected Map<String, String> credentials(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** Sets the commit status {@code context} of {@code sha}: pending, success, failure or error. */
    @ApplyGuard("github")
    public void commitStatus(String repository, String sha, String state, String description, String targetUrl,
            String context) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("state", state);
        if (targetUrl != null) {
            body.put("target_url", targetUrl);
        }
        body.put("description", description.length() > 140 ? description.substring(0, 137) + "..." : description);
        body.put("context", context);
        call("POST", "/repos/" + repository + "/statuses/" + sha, HEADERS, body);
    }

    /** Posts a comment on pull request {@code number} and returns its id. */
    @ApplyGuard("github")
    public long createComment(String repository, int number, String markdown) {
        return call("POST", "/repos/" + repository + "/issues/" + number + "/comments", HEADERS,
                Map.of("body", markdown)).path("id").asLong();
    }

    @ApplyGuard("github")
    public void updateComment(String repository, long commentId, String markdown) {
        call("PATCH", "/repos/" + repository + "/issues/comments/" + commentId, HEADERS, Map.of("body", markdown));
    }

    @Override
    @ApplyGuard("github")
    public boolean isOpen(String repositoryUrl, int number) {
        return "open".equals(call("GET", "/repos/" + HostHttp.ownerAndName(repositoryUrl) + "/pulls/" + number,
                HEADERS, null).path("state").asText());
    }

    /** owner/name of a GitHub repository URL (https, ssh or git), or empty when it has no such path. */
    public static Optional<String> repository(String url) {
        try {
            return Optional.of(HostHttp.ownerAndName(url));
        } catch (HostApiException e) {
            return Optional.empty();
        }
    }
}
