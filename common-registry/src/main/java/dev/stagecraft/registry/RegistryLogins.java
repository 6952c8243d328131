package dev.stagecraft.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * Logging in to a registry the way it asks when it answers 401, apart from what carries the requests
 * ({@link RegistryCalls}' REST clients): HTTP Basic with the configured credentials, or a Bearer token from
 * the token service its {@code WWW-Authenticate: Bearer realm="...",service="...",scope="..."} challenge names, asked
 * with the credentials when there are any. The {@code Authorization} that worked is sent again with the next request
 * for the same resource and method; a token that expired is answered 401 and replaced the same way.
 */
public final class RegistryLogins {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z_]+)=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");

    /** What a login needs to know of the registry's answer. */
    public interface Answer {

        int status();

        /** The answer's {@code WWW-Authenticate} values. */
        List<String> challenges();
    }

    /** One request to the registry, sent with {@code authorization} (null: none). */
    @FunctionalInterface
    public interface Request<A extends Answer> {

        A send(String authorization) throws IOException, InterruptedException;
    }

    /** A GET of a token service's {@code uri}, with {@code authorization} when there is one (else null). */
    @FunctionalInterface
    public interface TokenService {

        TokenAnswer get(URI uri, String authorization) throws IOException, InterruptedException;
    }

    /** The token service's status and body. */
    public record TokenAnswer(int status, String body) {
    }

    private final Supplier<Optional<RegistryCredentials>> credentials;
    private final TokenService tokens;
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /**
     * Logins with {@code credentials}, asked each time the registry wants a login, so a credentials file that changed
     * is read again; Bearer tokens are asked of the challenge's realm through {@code tokens}.
     */
    public RegistryLogins(Supplier<Optional<RegistryCredentials>> credentials, TokenService tokens) {
        this.credentials = credentials;
        this.tokens = tokens;
    }

    /**
     * {@code request}, a {@code method} on {@code resource} (a repository, or the catalog: what a login is kept for,
     * since scopes differ by both), logged in when the registry asks for it. The answer is the registry's, whatever
     * its status, once any login it asked for was made.
     *
     * @throws IOException when the token service refuses the credentials (the message says whose and where they come
     *                     from), or what carries the requests throws it
     */
    public <A extends Answer> A send(String method, String resource, Request<A> request)
            throws IOException, InterruptedException {
        String key = method + " " + resource;
        String sent = authorizations.get(key);
        A answer = request.send(sent);
        if (answer.status() != 401) {
            return answer;
        }
        String login = login(answer.challenges());
        if (login == null || login.equals(sent) && login.startsWith("Basic ")) {
            return answer;
        }
        A again = request.send(login);
        if (again.status() != 401) {
            authorizations.put(key, login);
        }
        return again;
    }

    /**
     * Whether a request to {@code target}, redirected from {@code registry}, may carry the registry's login: only to
     * the registry itself (object storage signs its own URLs, and refuses a second {@code Authorization}).
     */
    public static boolean sameOrigin(URI target, URI registry) {
        return target.getScheme().equalsIgnoreCase(registry.getScheme())
                && target.getHost().equalsIgnoreCase(registry.getHost()) && target.getPort() == registry.getPort();
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
        TokenAnswer answer = tokens.get(uri, login.map(RegistryCredentials::basic).orElse(null));
        if (answer.status() != 200) {
            throw new IOException("the registry's token service " + realm + " answered HTTP " + answer.status()
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
