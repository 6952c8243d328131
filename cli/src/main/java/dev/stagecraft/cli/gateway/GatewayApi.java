package dev.stagecraft.cli.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.config.Connection;

/**
 * The gateway's public REST API over the JDK's HttpClient: every request carries {@code Authorization: Bearer
 * <token>}, bodies are JSON, and an answer other than 2xx is thrown as an {@link ApiFailure}.
 */
public final class GatewayApi {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final String JSON = "application/json";

    private final URI base;
    private final String token;
    private final String userAgent;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();

    public GatewayApi(Connection connection, String version) {
        this.base = connection.url();
        this.token = connection.token();
        this.userAgent = "stagecraft-cli/" + version;
    }

    /** The gateway's URL. */
    public URI base() {
        return base;
    }

    /** GET of a JSON route; {@code path} starts with /api and has its ids encoded ({@link Query#encode}). */
    public Answer get(String path, Query query) {
        return send(request(path + query).header("Accept", JSON).GET());
    }

    /** GET of a route that answers text of type {@code accept} (a template is YAML); errors still come as JSON. */
    public Answer getText(String path, String accept) {
        return send(request(path).header("Accept", accept + ", " + JSON).GET());
    }

    /** POST with a JSON body, or with none when {@code body} is null (the action's defaults apply). */
    public Answer post(String path, JsonNode body) {
        return send(withBody(request(path), "POST", body));
    }

    public Answer put(String path, JsonNode body) {
        return send(withBody(request(path), "PUT", body));
    }

    public Answer delete(String path) {
        return send(request(path).header("Accept", JSON).DELETE());
    }

    /**
     * Opens a Server-Sent Events route and returns once the gateway answered its headers; the events are read from
     * the result, which must be closed.
     */
    public ServerSentEvents stream(String path, Query query) {
        return stream(path, query, null);
    }

    /**
     * As {@link #stream(String, Query)}, resuming after the event {@code lastEventId} when not null: the gateway
     * first sends the recorded events after it.
     */
    public ServerSentEvents stream(String path, Query query, String lastEventId) {
        HttpRequest.Builder builder = request(path + query).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        HttpRequest request = builder.build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw ApiFailure.unreachable(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
        if (response.statusCode() / 100 != 2) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = null;
            }
            throw failure(response, body);
        }
        return new ServerSentEvents(response.body());
    }

    /** The failure a non-2xx answer means, from its status, its Location (a redirect) and its body. */
    private static ApiFailure failure(HttpResponse<?> response, String body) {
        return ApiFailure.of(response.statusCode(), response.headers().firstValue("Location").orElse(null), body);
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).header("Authorization", "Bearer " + token)
                .header("User-Agent", userAgent);
    }

    private static HttpRequest.Builder withBody(HttpRequest.Builder request, String method, JsonNode body) {
        request.header("Accept", JSON);
        if (body == null) {
            return request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return request.header("Content-Type", JSON).method(method,
                HttpRequest.BodyPublishers.ofString(Json.compact(body), StandardCharsets.UTF_8));
    }

    private Answer send(HttpRequest.Builder builder) {
        HttpResponse<String> response;
        try {
            response = http.send(builder.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw ApiFailure.unreachable(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
        if (response.statusCode() / 100 != 2) {
            throw failure(response, response.body());
        }
        return new Answer(response.statusCode(), response.headers(), response.body());
    }

    private static ApiFailure interrupted() {
        return new ApiFailure(0, "interrupted", "interrupted while waiting for the gateway", List.of(),
                ExitCode.FAILED);
    }
}
