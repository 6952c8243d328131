package dev.stagecraft.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests to a registry's HTTP API (Docker Registry HTTP API v2, the OCI distribution API) over java.net.http,
 * logged in the way the registry asks ({@link RegistryLogins}). Redirects (a blob served from object storage) are
 * followed, and the registry's {@code Authorization} goes only to the registry.
 */
public final class RegistryApi {

    private static final Pattern RESOURCE = Pattern.compile("/v2/(.+?)/(manifests|tags|blobs)/.*");
    private static final int MAX_REDIRECTS = 5;

    private final RegistryAddress address;
    private final HttpClient http;
    private final RegistryLogins logins;

    /**
     * A client of the registry at {@code address}; {@code credentials} is asked each time the registry wants a login,
     * so a credentials file that changed is read again.
     */
    public RegistryApi(RegistryAddress address, Supplier<Optional<RegistryCredentials>> credentials) {
        this.address = address;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.logins = new RegistryLogins(credentials, this::token);
    }

    public RegistryAddress address() {
        return address;
    }

    /**
     * {@code method} on {@code pathAndQuery} (starting with {@code /v2/}), logged in when the registry asks for it.
     * The answer is the registry's, whatever its status, once any login it asked for was made.
     *
     * @throws IOException when the registry or its token service cannot be reached, or the token service refuses
     *                     the credentials (the message says which)
     */
    public HttpResponse<String> send(String method, String pathAndQuery) throws IOException, InterruptedException {
        URI uri = address.api(pathAndQuery);
        return logins.send(method, resourceOf(pathAndQuery), authorization -> new Answer(exchange(method, uri,
                authorization))).response();
    }

    /** An answer as the login reads it. */
    private record Answer(HttpResponse<String> response) implements RegistryLogins.Answer {

        @Override
        public int status() {
            return response.statusCode();
        }

        @Override
        public List<String> challenges() {
            return response.headers().allValues("WWW-Authenticate");
        }
    }

    /** What a login is kept for: one repository (or the catalog). */
    private static String resourceOf(String pathAndQuery) {
        String path = pathAndQuery.replaceFirst("\\?.*", "");
        Matcher m = RESOURCE.matcher(path);
        return m.matches() ? m.group(1) : path;
    }

    private HttpResponse<String> exchange(String method, URI uri, String authorization)
            throws IOException, InterruptedException {
        URI target = uri;
        String verb = method;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                    .header("Accept", ManifestTypes.ACCEPT).method(verb, HttpRequest.BodyPublishers.noBody());
            if (authorization != null && RegistryLogins.sameOrigin(target, uri)) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> answer = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Optional<String> location = answer.headers().firstValue("Location");
            boolean redirect = List.of(301, 302, 303, 307, 308).contains(answer.statusCode());
            if (!redirect || location.isEmpty() || hop == MAX_REDIRECTS || !(verb.equals("GET")
                    || verb.equals("HEAD"))) {
                return answer;
            }
            target = target.resolve(location.get());
        }
    }

    private RegistryLogins.TokenAnswer token(URI uri, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> answer = http.send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new RegistryLogins.TokenAnswer(answer.statusCode(), answer.body());
    }
}
