package dev.stagecraft.events.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Requests to a registry's HTTP API (Docker Registry HTTP API v2, the OCI distribution API), authenticated the way the
 * registry asks when it answers 401: HTTP Basic with the configured credentials, or a Bearer token from the token
 * service its {@code WWW-Authenticate: Bearer realm="...",service="...",scope="..."} challenge names, asked with the
 * credentials when there are any. The {@code Authorization} that worked is sent again with the next request for the
 * same repository and method; a token that expired is answered 401 and replaced the same way. Redirects (a blob
 * served from object storage) are followed, and the registry's {@code Authorization} goes only to the registry.
 */
public final class RegistryApi {

    /** The manifest types a request accepts: Docker's and OCI's images and indexes. */
    public static final String ACCEPT = String.join(", ", "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z_]+)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");
    private static final Pattern RESOURCE = Pattern.compile("/v2/(.+?)/(manifests|tags|blobs)/.*");
    private static final int MAX_REDIRECTS = 5;

    private final RegistryAddress address;
    private final Supplier<Optional<RegistryCredentials>> credentials;
    private final HttpClient http;
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /**
     * A client of the registry at {@code address}; {@code credentials} is asked each time the registry wants a login,
     * so a credentials file that changed is read again.
     */
    public RegistryApi(RegistryAddress address, Supplier<Optional<RegistryCredentials>> credentials) {
        this.address = address;
        this.credentials = credentials;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
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
        String key = method + " " + resourceOf(pathAndQuery);
        String sent = authorizations.get(key);
        HttpResponse<String> answer = exchange(method, uri, sent);
        if (answer.statusCode() != 401) {
            return answer;
        }
        String login = login(answer.headers().allValues("WWW-Authenticate"));
        if (login == null || login.equals(sent) && login.startsWith("Basic ")) {
            return answer;
        }
        HttpResponse<String> again = exchange(method, uri, login);
        if (again.statusCode() != 401) {
            authorizations.put(key, login);
        }
        return again;
    }

    /** What a login is kept for: one repository (or the catalog) and one method, since scopes differ by both. */
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
                    .header("Accept", ACCEPT).method(verb, HttpRequest.BodyPublishers.noBody());
            if (authorization != null && sameOrigin(target, uri)) {
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

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    /** The {@code Authorization} answering the registry's challenges; null when there is nothing to offer. */
    private String login(List<String> challenges) throws IOException, InterruptedException {
        Map<String, String> bearer = null;
        boolean basic = false;
        for (String challenge : challenges) {
            String scheme = challenge.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (scheme.equals("bearer")) {
                bearer = parameters(challenge.trim().substring(scheme.length()));
            } else if (scheme.equals("basic")) {
                basic = true;
            }
        }
        Optional<RegistryCredentials> login = credentials.get();
        if (bearer != null && bearer.containsKey("realm")) {
            return "Bearer " + token(bearer, login);
        }
        return basic ? login.map(RegistryCredentials::basic).orElse(null) : null;
    }

    static Map<String, String> parameters(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        Matcher m = PARAMETER.matcher(text);
        while (m.find()) {
            String value = m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3);
            parameters.put(m.group(1).toLowerCase(Locale.ROOT), value);
        }
        return parameters;
    }

    /** A token from the challenge's realm for its service and scopes (several scopes are separated by spaces). */
    private String token(Map<String, String> challenge, Optional<RegistryCredentials> login)
            throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder();
        if (challenge.get("service") != null) {
            query.append("service=").append(URLEncoder.encode(challenge.get("service"), StandardCharsets.UTF_8));
        }
        for (String scope : challenge.getOrDefault("scope", "").split(" ")) {
            if (!scope.isBlank()) {
                query.append(query.isEmpty() ? "" : "&").append("scope=")
                        .append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
            }
        }
        String realm = challenge.get("realm");
        URI uri = URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        login.ifPresent(c -> request.header("Authorization", c.basic()));
        HttpResponse<String> answer = http.send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (answer.statusCode() != 200) {
            throw new IOException("the registry's token service " + realm + " answered HTTP " + answer.statusCode()
                    + " for " + challenge.getOrDefault("scope", "its service") + (login.isPresent()
                            ? ": it refused the credentials of STAGECRAFT_REGISTRY_AUTH_FILE (" + login.get().username()
                                    + ")"
                            : ": no credentials are configured (STAGECRAFT_REGISTRY_AUTH_FILE)"));
        }
        JsonNode body = JSON.readTree(answer.body());
        String token = body.path("token").asText(body.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new IOException("the registry's token service " + realm + " answered without a token");
        }
        return token;
    }
}
