package dev.stagecraft.gateway.hosts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;

/** JSON over HTTP to a git host's REST API, with short timeouts and errors that say what was asked. */
public final class HostHttp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HostHttp() {
    }

    /** Sends {@code body} (null: none) and returns the JSON answer; throws {@link HostApiException} otherwise. */
    public static JsonNode call(String method, String url, Map<String, String> headers, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("User-Agent", "stagecraft").header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(EventJson.write(body)));
        headers.forEach(request::header);
        String what = method + " " + URI.create(url).getPath();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new HostApiException(0, what + " did not reach the host: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostApiException(0, what + " was interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            String text = response.body() == null ? "" : response.body();
            throw new HostApiException(response.statusCode(), what + " answered " + response.statusCode() + ": "
                    + (text.length() > 300 ? text.substring(0, 300) : text));
        }
        try {
            return response.body() == null || response.body().isBlank() ? EventJson.mapper().createObjectNode()
                    : EventJson.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new HostApiException(response.statusCode(), what + " answered invalid JSON");
        }
    }

    /** owner/name: the last two segments of a repository URL's path (GitHub, Bitbucket workspace/slug). */
    public static String ownerAndName(String url) {
        String[] parts = repositoryPath(url).split("/");
        if (parts.length < 2) {
            throw HostApiException.cannotAsk("repository URL " + url + " names no owner/repository");
        }
        return parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }

    /** The path of a repository URL without host and ".git" (https, ssh and scp-like forms): "group/sub/repo". */
    public static String repositoryPath(String url) {
        return url.replaceFirst("^[a-z+]+://[^/]+/", "").replaceFirst("^[^@/]+@[^:]+:", "")
                .replaceFirst("\\.git$", "").replaceAll("/+$", "");
    }
}
