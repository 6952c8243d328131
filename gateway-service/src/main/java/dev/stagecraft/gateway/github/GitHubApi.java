package dev.stagecraft.gateway.github;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.gateway.hosts.HostHttp;
import dev.stagecraft.gateway.hosts.PullRequestStates;

/**
 * The few GitHub REST calls Stagecraft makes, with the installation's token: commit statuses, the pull request
 * comment, and a pull request's state. Off when {@code stagecraft.github.token} is not set.
 */
@ApplicationScoped
public class GitHubApi implements PullRequestStates {

    @ConfigProperty(name = "stagecraft.github.token")
    Optional<String> token;

    @ConfigProperty(name = "stagecraft.github.api-url", defaultValue = "https://api.github.com")
    String apiUrl;

    @Override
    public String provider() {
        return "github";
    }

    @Override
    public String displayName() {
        return "GitHub";
    }

    @Override
    public boolean enabled() {
        return token.isPresent() && !token.get().isBlank();
    }

    /** Sets the commit status {@code context} of {@code sha}: pending, success, failure or error. */
    public void commitStatus(String repository, String sha, String state, String description, String targetUrl,
            String context) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("state", state);
        if (targetUrl != null) {
            body.put("target_url", targetUrl);
        }
        body.put("description", description.length() > 140 ? description.substring(0, 137) + "..." : description);
        body.put("context", context);
        call("POST", "/repos/" + repository + "/statuses/" + sha, body);
    }

    /** Posts a comment on pull request {@code number} and returns its id. */
    public long createComment(String repository, int number, String markdown) {
        return call("POST", "/repos/" + repository + "/issues/" + number + "/comments", Map.of("body", markdown))
                .path("id").asLong();
    }

    public void updateComment(String repository, long commentId, String markdown) {
        call("PATCH", "/repos/" + repository + "/issues/comments/" + commentId, Map.of("body", markdown));
    }

    @Override
    public boolean isOpen(String repositoryUrl, int number) {
        return "open".equals(call("GET", "/repos/" + HostHttp.ownerAndName(repositoryUrl) + "/pulls/" + number,
                null).path("state").asText());
    }

    private JsonNode call(String method, String path, Object body) {
        return HostHttp.call(method, apiUrl.replaceAll("/$", "") + path, Map.of("Accept",
                "application/vnd.github+json", "Authorization", "Bearer " + token.orElseThrow(),
                "X-GitHub-Api-Version", "2022-11-28"), body);
    }

    /** owner/name of a GitHub repository URL (https, ssh or git), or empty when it has no such path. */
    public static Optional<String> repository(String url) {
        try {
            return Optional.of(HostHttp.ownerAndName(url));
        } catch (dev.stagecraft.gateway.hosts.HostApiException e) {
            return Optional.empty();
        }
    }
}
