package dev.stagecraft.registry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A registry and its token service on one loopback server, and object storage on another: with {@code bearer}
 * it takes only tokens for the scope a request needs, else HTTP Basic (user {@code robot}). A manifest's digest is
 * {@code sha256:<the reference asked for>}. Blobs are redirected to the storage with a signed URL; the storage refuses
 * a request that carries an {@code Authorization} or lost the signature. {@code unavailable} answers that many
 * registry requests 503 first. Used by this module's tests and the gateway's.
 */
public final class FakeRegistry implements AutoCloseable {

    /** The login a client of this registry is given (null: none); at first the one the registry takes. */
    public final AtomicReference<RegistryCredentials> login = new AtomicReference<>(
            new RegistryCredentials("robot", "s3cret"));
    public volatile boolean bearer;
    public volatile String password = "s3cret";
    public final Map<String, String> tokens = new ConcurrentHashMap<>();
    public final List<String> tokenQueries = Collections.synchronizedList(new ArrayList<>());
    public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    public final List<String> storageRequests = Collections.synchronizedList(new ArrayList<>());
    /** What the catalog lists, a page of {@code n} at a time, the next page named by a {@code Link}. */
    public final List<String> repositories = Collections.synchronizedList(new ArrayList<>());
    /** The query of each catalog request that got an answer, decoded. */
    public final List<String> catalogQueries = Collections.synchronizedList(new ArrayList<>());
    /** The {@code Accept} of the last manifest request. */
    public volatile String manifestAccept;
    public final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger issued = new AtomicInteger();
    private final HttpServer server;
    private final HttpServer storage;

    public FakeRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/v2/", this::registry);
        server.createContext("/token", this::token);
        storage.createContext("/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            boolean signed = "signature=abc".equals(exchange.getRequestURI().getRawQuery());
            storageRequests.add("storage " + (auth == null ? "-" : auth.split(" ")[0]) + (signed ? "" : " unsigned"));
            respond(exchange, auth == null && signed ? 200 : 400, "{\"created\":\"2020-01-01T00:00:00Z\"}", null);
        });
        server.start();
        storage.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** This registry, with images under {@code /team}. */
    public RegistryAddress address() {
        return RegistryAddress.parse("127.0.0.1:" + port() + "/team", null).orElseThrow();
    }

    /** What a client's login is read from: {@link #login} as it is at the time. */
    public Optional<RegistryCredentials> credentials() {
        return Optional.ofNullable(login.get());
    }

    private String basic() {
        return new RegistryCredentials("robot", password).basic();
    }

    private void registry(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String what = path.contains("/tags/") ? "tags" : path.replaceAll(".*/", "");
        requests.add(method + " " + what + " " + (auth == null ? "-" : auth.split(" ")[0]));
        if (path.contains("/manifests/")) {
            manifestAccept = exchange.getRequestHeaders().getFirst("Accept");
        }
        if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            respond(exchange, 503, "{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}", null);
            return;
        }
        String scope = path.equals("/v2/_catalog") ? "registry:catalog:*" : "repository:"
                + path.replaceFirst("^/v2/(.+?)/(manifests|tags|blobs)/.*", "$1") + ":"
                + (method.equals("DELETE") ? "delete" : "pull");
        boolean allowed = bearer
                ? auth != null && auth.startsWith("Bearer ") && scope.equals(tokens.get(auth.substring(7)))
                : basic().equals(auth);
        if (!allowed) {
            respond(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}", bearer
                    ? "Bearer realm=\"http://127.0.0.1:" + port() + "/token\",service=\"fake-registry\",scope=\""
                            + scope + "\""
                    : "Basic realm=\"fake-registry\"");
            return;
        }
        if (path.contains("/blobs/")) {
            exchange.getResponseHeaders().set("Location", "http://127.0.0.1:" + storage.getAddress().getPort()
                    + "/bucket/blob?signature=abc");
            respond(exchange, 307, "", null);
            return;
        }
        if (path.equals("/v2/_catalog")) {
            catalog(exchange);
            return;
        }
        if (path.contains("/manifests/")) {
            exchange.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + what);
        }
        respond(exchange, method.equals("DELETE") ? 202 : 200, "{}", null);
    }

    private void catalog(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getRawQuery() == null ? ""
                : URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
        catalogQueries.add(query);
        Map<String, String> parameters = new HashMap<>();
        for (String parameter : query.split("&")) {
            String[] pair = parameter.split("=", 2);
            parameters.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        int n = Integer.parseInt(parameters.getOrDefault("n", "100"));
        List<String> all = List.copyOf(repositories);
        int from = parameters.containsKey("last") ? all.indexOf(parameters.get("last")) + 1 : 0;
        List<String> page = all.subList(from, Math.min(all.size(), from + n));
        if (from + n < all.size()) {
            exchange.getResponseHeaders().set("Link", "</v2/_catalog?last=" + page.get(page.size() - 1) + "&n=" + n
                    + ">; rel=\"next\"");
        }
        respond(exchange, 200, "{\"repositories\":[" + String.join(",", page.stream().map(r -> "\"" + r + "\"")
                .toList()) + "]}", null);
    }

    private void token(HttpExchange exchange) throws IOException {
        if (!basic().equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            respond(exchange, 401, "{\"details\":\"incorrect username or password\"}", null);
            return;
        }
        String query = URLDecoder.decode(exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8);
        tokenQueries.add(query);
        String token = "token-" + issued.incrementAndGet();
        tokens.put(token, query.replaceFirst(".*scope=", ""));
        respond(exchange, 200, "{\"token\":\"" + token + "\",\"expires_in\":300}", null);
    }

    private static void respond(HttpExchange exchange, int status, String body, String challenge)
            throws IOException {
        try (exchange) {
            if (challenge != null) {
                exchange.getResponseHeaders().set("WWW-Authenticate", challenge);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            boolean empty = bytes.length == 0 || exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, empty ? -1 : bytes.length);
            if (!empty) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        storage.stop(0);
    }
}
