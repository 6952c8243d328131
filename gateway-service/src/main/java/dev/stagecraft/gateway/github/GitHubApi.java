package dev.stagecraft.gateway.github;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;

/**
 * The few GitHub REST calls Stagecraft makes, with the installation's token: commit statuses, the pull request
 * comment, and a pull request's state. Off when {@code stagecraft.github.token} is not set.
 */
@ApplicationScoped
public class GitHubApi {

    /** A call GitHub refused or that did not reach it; {@code status} 0 when there was no answer. */
    public static final class GitHubException extends RuntimeException {

        private final int status;

        GitHubException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    @ConfigProperty(name = "stagecraft.github.token")
    Optional<String> token;

    @ConfigProperty(name = "stagecraft.github.api-url", defaultValue = "https://api.github.com")
    String apiUrl;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public boolean enabled() {
        return token.isPresent() && !token.get().isBlank();
    }

    /** Sets the commit status {@code context} of {@code sha}: pending, success, failure or error. */
    public void commitStatus(String repository, String sha, String state, String description, String targetUrl,
            String context) {
        Map<String, String> body = new java.util.LinkedHashMap<>();
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

    /** open or closed. */
    public String pullRequestState(String repository, int number) {
        return call("GET", "/repos/" + repository + "/pulls/" + number, null).path("state").asText();
    }

    private JsonNode call(String method, String path, Object body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl.replaceAll("/$", "") + path))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/vnd.github+json")
                .header("Authorization", "Bearer " + token.orElseThrow())
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "stagecraft")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(EventJson.write(body)))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new GitHubException(0, method + " " + path + " did not reach GitHub: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitHubException(0, method + " " + path + " was interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            String text = response.body() == null ? "" : response.body();
            throw new GitHubException(response.statusCode(), method + " " + path + " answered "
                    + response.statusCode() + ": " + (text.length() > 300 ? text.substring(0, 300) : text));
        }
        try {
            return response.body() == null || response.body().isBlank() ? EventJson.mapper().createObjectNode()
                    : EventJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new GitHubException(response.statusCode(), method + " " + path + " answered invalid JSON");
        }
    }

    /** owner/name of a GitHub repository URL (https, ssh or git), or empty when it has no such path. */
    public static Optional<String> repository(String url) {
        String path = url.replaceFirst("^[a-z+]+://[^/]+/", "").replaceFirst("^[^@/]+@[^:]+:", "")
                .replaceFirst("\\.git$", "").replaceAll("/+$", "");
        String[] parts = path.split("/");
        if (parts.length < 2) {
            return Optional.empty();
        }
        return Optional.of(parts[parts.length - 2] + "/" + parts[parts.length - 1]);
    }
}
