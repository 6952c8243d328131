package dev.stagecraft.runtime.router;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.runtime.RuntimeSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;

/**
 * The router users reach environments through: a Caddy server configured through Caddy's admin API, one route per
 * service of an environment, identified by {@code @id} {@code sc-<environment>__<service>}, matching the service's
 * host names ({@code <service>-<environment>.<base domain>} and the template's {@code hostnames}) and proxying to the
 * service's address on its environment's network. Routes go in front of the server's last route, which answers 404
 * for host names no environment has (any more). A change of routes is a span ({@code router publish},
 * {@code router unpublish}) in the trace of whoever asks, each admin API call a client span inside it.
 */
public final class CaddyRouter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID_PREFIX = "sc-";
    /** The gateway's wake endpoint, which a sleeping service's requests are first handed to. */
    public static final String WAKE_PATH = "/router/wake";
    /** Set by the router on a wake call: the sleeping environment. */
    public static final String ENVIRONMENT_HEADER = "X-Stagecraft-Environment";
    /** Set by the router on a wake call: the service whose host name was asked for. */
    public static final String SERVICE_HEADER = "X-Stagecraft-Service";
    /** Set by the router on a request it hands back after a wake; the wake endpoint refuses it (no loop). */
    public static final String WOKEN_HEADER = "X-Stagecraft-Woken";
    /** Between environment and service in a route id; neither an environment id nor a service name contains it. */
    private static final String SEPARATOR = "__";
    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final int MAX_LABEL = 63;
    /** Tries per admin call; the admin server is back within milliseconds of a configuration change. */
    private static final int ATTEMPTS = 4;
    /** Read-change-write rounds before giving up on a route list that others keep changing. */
    private static final int CONFLICT_ATTEMPTS = 30;

    private final URI admin;
    private final String server;
    private final String baseDomain;
    private final String publicScheme;
    private final int publicPort;
    private final List<String> hostSuffixes;
    private final String selfAddress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param admin        Caddy's admin endpoint, such as {@code http://127.0.0.1:2019}
     * @param server       the name of the HTTP server in Caddy's configuration that serves environments
     * @param baseDomain   the domain environment host names end with ({@code localhost}: resolves to loopback)
     * @param publicScheme {@code http} or {@code https}, for the URLs
     * @param publicPort   the port users connect to, for the URLs (left out when it is the scheme's default)
     */
    public CaddyRouter(URI admin, String server, String baseDomain, String publicScheme, int publicPort) {
        this(admin, server, baseDomain, publicScheme, publicPort, List.of());
    }

    /** {@code hostSuffixes}: domains a template's host names may be under, besides {@code baseDomain}. */
    public CaddyRouter(URI admin, String server, String baseDomain, String publicScheme, int publicPort,
            List<String> hostSuffixes) {
        this(admin, server, baseDomain, publicScheme, publicPort, hostSuffixes, null);
    }

    /**
     * {@code selfAddress}: where the router itself listens ({@code host:port}), which a woken request is handed back
     * to; null: {@code 127.0.0.1:<publicPort>}.
     */
    public CaddyRouter(URI admin, String server, String baseDomain, String publicScheme, int publicPort,
            List<String> hostSuffixes, String selfAddress) {
        this.admin = admin;
        this.selfAddress = selfAddress == null || selfAddress.isBlank() ? "127.0.0.1:" + publicPort : selfAddress;
        this.server = server;
        this.baseDomain = baseDomain;
        this.publicScheme = publicScheme;
        this.publicPort = publicPort;
        List<String> suffixes = new ArrayList<>();
        suffixes.add(baseDomain.toLowerCase(Locale.ROOT));
        hostSuffixes.stream().map(h -> h.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""))
                .filter(h -> !h.isEmpty()).forEach(suffixes::add);
        this.hostSuffixes = List.copyOf(suffixes);
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

    /** One service's route: its host names, proxied to {@code upstream} ({@code address:port}). */
    public record Route(String environmentId, String service, List<String> hosts, String upstream) {
    }

    /**
     * Routes {@code hosts} to {@code upstream} ({@code address:port}), replacing the service's route if it has one.
     *
     * @throws RouterException when a host name is not a plain host name, or another environment's route has it
     */
    public synchronized void publish(String environmentId, String service, List<String> hosts, String upstream) {
        publish(List.of(new Route(environmentId, service, hosts, upstream)));
    }

    /**
     * Sets all {@code routes} in one change: a service's existing route is replaced where it stands, a new one goes
     * in front; nothing changes (and Caddy reloads nothing) when every route is already as given.
     *
     * @throws RouterException when a host name is not a plain host name, or another environment's route has it
     */
    public synchronized void publish(List<Route> routes) {
        put(routes, CaddyRouter::json, "router publish");
    }

    /**
     * Routes a sleeping service's host names to the gateway's wake endpoint at {@code wakeUpstream}
     * ({@code host:port}), replacing its route: a request to them is first handed to {@code GET /router/wake} (with
     * the environment and service in headers the router sets, and without its body), which resumes the environment
     * and answers once it is ready. On a 2xx answer the request itself, body and all, goes back through the router,
     * where the resumed service's own route now answers it; any other answer (a "waking up" page after the wait, an
     * error) is the answer the user gets. The request handed back carries {@code X-Stagecraft-Woken}, which the wake
     * endpoint refuses, so a route that did not change cannot loop.
     *
     * @throws RouterException as {@link #publish(List)}
     */
    public synchronized void publishWake(String environmentId, String service, List<String> hosts,
            String wakeUpstream) {
        put(List.of(new Route(environmentId, service, hosts, wakeUpstream)), this::wakeJson, "router sleep");
    }

    private void put(List<Route> routes, java.util.function.Function<Route, ObjectNode> toJson, String spanName) {
        Map<String, ObjectNode> wanted = new LinkedHashMap<>();
        for (Route r : routes) {
            for (String host : r.hosts()) {
                if (!HOST_NAME.matcher(host).matches()) {
                    throw new RouterException("'" + host + "' is not a host name the router accepts (dot-separated"
                            + " labels of letters, digits and hyphens; no wildcard)");
                }
                String h = host.toLowerCase(Locale.ROOT);
                if (hostSuffixes.stream().noneMatch(suffix -> h.endsWith("." + suffix))) {
                    throw new RouterException("host name '" + host + "' is not under an allowed domain suffix: "
                            + String.join(", ", hostSuffixes) + " (STAGECRAFT_ROUTER_DOMAIN,"
                            + " STAGECRAFT_ALLOWED_HOST_SUFFIXES)");
                }
            }
            wanted.put(routeId(r.environmentId(), r.service()), toJson.apply(r));
        }
        String environment = routes.stream().map(Route::environmentId).distinct().count() == 1
                ? routes.get(0).environmentId() : null;
        RuntimeSpans.inSpan(spanName, environment,
                span -> span.setAttribute("stagecraft.routes", routes.size()), () -> change(current -> {
            for (JsonNode other : current) {
                String otherId = other.path("@id").asText("");
                for (Route r : routes) {
                    if (!otherId.startsWith(ID_PREFIX + r.environmentId() + SEPARATOR)) {
                        refuseTakenHost(other, otherId, r.hosts());
                    }
                }
            }
            ArrayNode changed = JSON.createArrayNode();
            Map<String, ObjectNode> added = new LinkedHashMap<>(wanted);
            for (JsonNode other : current) {
                ObjectNode replacement = added.remove(other.path("@id").asText(""));
                changed.add(replacement != null ? replacement : other);
            }
            List<JsonNode> inFront = new ArrayList<>(added.values());
            for (int i = inFront.size() - 1; i >= 0; i--) {
                changed.insert(0, inFront.get(i));
            }
            return changed;
        }));
    }

    private static ObjectNode json(Route r) {
        ObjectNode route = JSON.createObjectNode();
        route.put("@id", routeId(r.environmentId(), r.service()));
        ArrayNode hostMatch = route.putArray("match").addObject().putArray("host");
        new LinkedHashSet<>(r.hosts()).forEach(hostMatch::add);
        ObjectNode proxy = route.putArray("handle").addObject();
        proxy.put("handler", "reverse_proxy");
        proxy.putArray("upstreams").addObject().put("dial", r.upstream());
        route.put("terminal", true);
        return route;
    }

    private ObjectNode wakeJson(Route r) {
        ObjectNode route = JSON.createObjectNode();
        route.put("@id", routeId(r.environmentId(), r.service()));
        ArrayNode hostMatch = route.putArray("match").addObject().putArray("host");
        new LinkedHashSet<>(r.hosts()).forEach(hostMatch::add);
        ArrayNode handle = route.putArray("handle");
        ObjectNode wake = handle.addObject();
        wake.put("handler", "reverse_proxy");
        wake.putArray("upstreams").addObject().put("dial", r.upstream());
        // as a forward-auth call: a GET without the body; the request itself waits for the answer
        wake.putObject("rewrite").put("method", "GET").put("uri", WAKE_PATH);
        ObjectNode set = wake.putObject("headers").putObject("request").putObject("set");
        set.putArray(ENVIRONMENT_HEADER).add(r.environmentId());
        set.putArray(SERVICE_HEADER).add(r.service());
        ObjectNode awake = wake.putArray("handle_response").addObject();
        awake.putObject("match").putArray("status_code").add(2);
        awake.putArray("routes").addObject().putArray("handle").addObject().put("handler", "headers")
                .putObject("request").putObject("set").putArray(WOKEN_HEADER).add(r.environmentId());
        ObjectNode again = handle.addObject();
        again.put("handler", "reverse_proxy");
        again.putArray("upstreams").addObject().put("dial", selfAddress);
        if (publicScheme.equals("https")) {
            // back to this router itself on loopback, under the host name it has a certificate for
            again.putObject("transport").put("protocol", "http").putObject("tls")
                    .put("server_name", r.hosts().get(0)).put("insecure_skip_verify", true);
        }
        route.put("terminal", true);
        return route;
    }

    private static void refuseTakenHost(JsonNode route, String routeId, List<String> hosts) {
        for (JsonNode match : route.path("match")) {
            for (JsonNode taken : match.path("host")) {
                if (hosts.contains(taken.asText())) {
                    throw new RouterException("host name " + taken.asText() + " is already routed to "
                            + (routeId.startsWith(ID_PREFIX) ? "environment " + routeId.substring(ID_PREFIX.length(),
                                    Math.max(ID_PREFIX.length(), routeId.lastIndexOf(SEPARATOR))) : routeId)
                            + "; every environment needs host names of its own");
                }
            }
        }
    }

    /** Removes every route of the environment; true when there was any. */
    public synchronized boolean unpublish(String environmentId) {
        return RuntimeSpans.inSpan("router unpublish", environmentId,
                () -> remove(id -> id.startsWith(ID_PREFIX + environmentId + SEPARATOR)));
    }

    /** Removes the route of one service of the environment; true when there was one. */
    public synchronized boolean unpublish(String environmentId, String service) {
        return RuntimeSpans.inSpan("router unpublish", environmentId,
                span -> span.setAttribute("stagecraft.service", service),
                () -> remove(id -> id.equals(routeId(environmentId, service))));
    }

    private boolean remove(Predicate<String> routeId) {
        boolean[] any = {false};
        change(routes -> {
            ArrayNode kept = JSON.createArrayNode();
            for (JsonNode route : routes) {
                if (routeId.test(route.path("@id").asText(""))) {
                    any[0] = true;
                } else {
                    kept.add(route);
                }
            }
            return kept;
        });
        return any[0];
    }

    /** The environments the router has routes for. */
    public synchronized Set<String> routedEnvironments() {
        Set<String> environments = new TreeSet<>();
        for (JsonNode route : read().routes()) {
            String id = route.path("@id").asText("");
            int end = id.indexOf(SEPARATOR);
            if (id.startsWith(ID_PREFIX) && end > ID_PREFIX.length()) {
                environments.add(id.substring(ID_PREFIX.length(), end));
            }
        }
        return environments;
    }

    /**
     * Replaces the server's route list with {@code change} applied to it, on the condition that nobody changed the
     * list since it was read (Caddy's {@code If-Match}), and reads and applies again when somebody did. Several
     * services change routes at once, and Caddy's {@code /id/} and index paths are resolved before Caddy takes its
     * configuration lock: a route removed by id while another process inserts one removes whichever route then sits
     * at the old index. A whole-list compare-and-set has no such window.
     */
    private Void change(UnaryOperator<ArrayNode> change) {
        for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
            Snapshot current = read();
            ArrayNode changed = change.apply(current.routes().deepCopy());
            if (changed.equals(current.routes())) {
                return null;
            }
            HttpResponse<String> answer = send("PATCH", routesPath(), changed.toString(),
                    "\"" + routesPath() + " " + current.etag() + "\"", HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200) {
                return null;
            }
            if (answer.statusCode() != 412) {
                throw new RouterException("the router refused the route change: HTTP " + answer.statusCode() + " "
                        + answer.body().strip());
            }
            sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt));
        }
        throw new RouterException("the router's routes kept changing under " + CONFLICT_ATTEMPTS
                + " attempts to change them");
    }

    private Snapshot read() {
        HttpResponse<byte[]> answer = send("GET", routesPath(), null, null, HttpResponse.BodyHandlers.ofByteArray());
        String text = new String(answer.body(), StandardCharsets.UTF_8);
        if (answer.statusCode() != 200) {
            throw new RouterException("the router's routes could not be read: HTTP " + answer.statusCode() + " "
                    + text.strip());
        }
        JsonNode routes;
        try {
            routes = JSON.readTree(text);
        } catch (IOException e) {
            throw new RouterException("the router answered something that is not JSON: " + text);
        }
        if (!routes.isArray()) {
            throw new RouterException("the router has no route list for server " + server + ": " + text.strip());
        }
        return new Snapshot((ArrayNode) routes, fnv1a32(answer.body()));
    }

    /** Caddy's configuration ETag: the 32-bit FNV-1a hash of the JSON it serves for a path, in hex. */
    static String fnv1a32(byte[] bytes) {
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return String.format("%08x", hash);
    }

    private String routesPath() {
        return "/config/apps/http/servers/" + server + "/routes";
    }

    private record Snapshot(ArrayNode routes, String etag) {
    }

    private static String routeId(String environmentId, String service) {
        return ID_PREFIX + environmentId + SEPARATOR + service;
    }

    /**
     * One admin API call, sent again when the connection drops before an answer. Caddy replaces its admin server on
     * every configuration change and closes the old one's idle connections, so a request another process (another
     * Stagecraft service) sends over a kept-alive connection at that moment gets no answer at all. Reads are safe to
     * send again, and every change carries {@code If-Match}: one that did take answers 412 the second time, and the
     * change is worked out again from what the router then has.
     */
    private <T> HttpResponse<T> send(String method, String path, String body, String ifMatch,
            HttpResponse.BodyHandler<T> handler) {
        return RuntimeSpans.inSpan("router " + method, null, span -> span.setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", method)
                .setAttribute("url.full", admin.resolve(path).toString()), () -> {
                    HttpResponse<T> answer = exchange(method, path, body, ifMatch, handler);
                    Span.current().setAttribute("http.response.status_code", answer.statusCode());
                    return answer;
                });
    }

    private <T> HttpResponse<T> exchange(String method, String path, String body, String ifMatch,
            HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        IOException failure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return http.send(request.build(), handler);
            } catch (HttpTimeoutException e) {
                throw new RouterException("the router's admin API at " + admin + " did not answer " + method + " "
                        + path + " within 10 s");
            } catch (IOException e) {
                failure = e;
                if (attempt < ATTEMPTS) {
                    sleep(50L * attempt * attempt);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RouterException("interrupted while talking to the router");
            }
        }
        throw new RouterException("the router's admin API at " + admin + " did not answer " + method + " " + path
                + " in " + ATTEMPTS + " attempts: " + failure.getMessage());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RouterException("interrupted while talking to the router");
        }
    }

    private static String shortHash(String text) {
        return SpecHash.sha256(text).substring(0, 8);
    }

    /** The router refused a change or could not be reached. */
    public static final class RouterException extends RuntimeException {
        public RouterException(String message) {
            super(message);
        }
    }
}
