package dev.stagecraft.runtime.router;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The router users reach environments through: a Caddy server configured through Caddy's admin API, one route per
 * service of an environment, identified by {@code @id} {@code sc-<environment>__<service>}, matching the service's
 * host names ({@code <service>-<environment>.<base domain>} and the template's {@code hostnames}) and proxying to the
 * service's address on its environment's network. Routes go in front of the server's last route, which answers 404
 * for host names no environment has (any more).
 */
public final class CaddyRouter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID_PREFIX = "sc-";
    /** Between environment and service in a route id; neither an environment id nor a service name contains it. */
    private static final String SEPARATOR = "__";
    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final int MAX_LABEL = 63;

    private final URI admin;
    private final String server;
    private final String baseDomain;
    private final String publicScheme;
    private final int publicPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param admin        Caddy's admin endpoint, such as {@code http://127.0.0.1:2019}
     * @param server       the name of the HTTP server in Caddy's configuration that serves environments
     * @param baseDomain   the domain environment host names end with ({@code localhost}: resolves to loopback)
     * @param publicScheme {@code http} or {@code https}, for the URLs
     * @param publicPort   the port users connect to, for the URLs (left out when it is the scheme's default)
     */
    public CaddyRouter(URI admin, String server, String baseDomain, String publicScheme, int publicPort) {
        this.admin = admin;
        this.server = server;
        this.baseDomain = baseDomain;
        this.publicScheme = publicScheme;
        this.publicPort = publicPort;
    }

    /** {@code <service>-<environment>.<base domain>}; a label too long for DNS is shortened with a hash. */
    public String hostName(String environmentId, String service) {
        String label = (service + "-" + environmentId).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (label.length() > MAX_LABEL) {
            label = label.substring(0, MAX_LABEL - 9).replaceAll("-+$", "") + "-" + shortHash(label);
        }
        return label + "." + baseDomain;
    }

    /** The URL users open for {@code host}. */
    public String url(String host) {
        boolean defaultPort = publicScheme.equals("http") && publicPort == 80
                || publicScheme.equals("https") && publicPort == 443;
        return publicScheme + "://" + host + (defaultPort ? "" : ":" + publicPort);
    }

    /**
     * Routes {@code hosts} to {@code upstream} ({@code address:port}), replacing the service's route if it has one.
     *
     * @throws RouterException when a host name is not a plain host name, or another environment's route has it
     */
    public synchronized void publish(String environmentId, String service, List<String> hosts, String upstream) {
        String id = routeId(environmentId, service);
        for (String host : hosts) {
            if (!HOST_NAME.matcher(host).matches()) {
                throw new RouterException("'" + host + "' is not a host name the router accepts (dot-separated labels"
                        + " of letters, digits and hyphens; no wildcard)");
            }
        }
        for (JsonNode route : routes()) {
            String other = route.path("@id").asText("");
            if (other.equals(id) || other.startsWith(ID_PREFIX + environmentId + SEPARATOR)) {
                continue;
            }
            for (JsonNode match : route.path("match")) {
                for (JsonNode taken : match.path("host")) {
                    if (hosts.contains(taken.asText())) {
                        throw new RouterException("host name " + taken.asText() + " is already routed to "
                                + (other.startsWith(ID_PREFIX) ? "environment " + other.substring(ID_PREFIX.length(),
                                        Math.max(ID_PREFIX.length(), other.lastIndexOf(SEPARATOR))) : other)
                                + "; every environment needs host names of its own");
                    }
                }
            }
        }
        ObjectNode route = JSON.createObjectNode();
        route.put("@id", id);
        ArrayNode hostMatch = route.putArray("match").addObject().putArray("host");
        new LinkedHashSet<>(hosts).forEach(hostMatch::add);
        ObjectNode proxy = route.putArray("handle").addObject();
        proxy.put("handler", "reverse_proxy");
        proxy.putArray("upstreams").addObject().put("dial", upstream);
        route.put("terminal", true);
        String body = route.toString();
        HttpResponse<String> replaced = call("PATCH", "/id/" + id, body);
        if (replaced.statusCode() == 200) {
            return;
        }
        HttpResponse<String> added = call("PUT", "/config/apps/http/servers/" + server + "/routes/0", body);
        if (added.statusCode() != 200) {
            throw new RouterException("the router did not take the route of " + service + " in " + environmentId + ": HTTP "
                    + added.statusCode() + " " + added.body().strip());
        }
    }

    /** Removes every route of the environment; true when there was any. */
    public synchronized boolean unpublish(String environmentId) {
        boolean any = false;
        for (String id : routeIds()) {
            if (id.startsWith(ID_PREFIX + environmentId + SEPARATOR)) {
                HttpResponse<String> deleted = call("DELETE", "/id/" + id, null);
                if (deleted.statusCode() != 200 && deleted.statusCode() != 404) {
                    throw new RouterException("the router kept route " + id + ": HTTP " + deleted.statusCode() + " "
                            + deleted.body().strip());
                }
                any = true;
            }
        }
        return any;
    }

    /** The environments the router has routes for. */
    public synchronized Set<String> routedEnvironments() {
        Set<String> environments = new TreeSet<>();
        for (String id : routeIds()) {
            int end = id.indexOf(SEPARATOR);
            if (id.startsWith(ID_PREFIX) && end > ID_PREFIX.length()) {
                environments.add(id.substring(ID_PREFIX.length(), end));
            }
        }
        return environments;
    }

    private List<String> routeIds() {
        List<String> ids = new ArrayList<>();
        for (JsonNode r : routes()) {
            if (r.hasNonNull("@id")) {
                ids.add(r.get("@id").asText());
            }
        }
        return ids;
    }

    private JsonNode routes() {
        HttpResponse<String> routes = call("GET", "/config/apps/http/servers/" + server + "/routes", null);
        if (routes.statusCode() != 200) {
            throw new RouterException("the router's routes could not be read: HTTP " + routes.statusCode() + " "
                    + routes.body().strip());
        }
        try {
            return JSON.readTree(routes.body());
        } catch (IOException e) {
            throw new RouterException("the router answered something that is not JSON: " + routes.body());
        }
    }

    private static String routeId(String environmentId, String service) {
        return ID_PREFIX + environmentId + SEPARATOR + service;
    }

    private HttpResponse<String> call(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RouterException("the router's admin API at " + admin + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RouterException("interrupted while talking to the router");
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The router refused a change or could not be reached. */
    public static final class RouterException extends RuntimeException {
        public RouterException(String message) {
            super(message);
        }
    }
}
