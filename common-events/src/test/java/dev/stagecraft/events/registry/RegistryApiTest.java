package dev.stagecraft.events.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Logging in to a registry the ways registries ask for it, against a small registry of this test on loopback: a
 * Bearer challenge answered with a token from the token service it names (the login sent there), a token kept for
 * its repository and replaced once the registry no longer takes it, HTTP Basic, a refused login, and a blob
 * redirected to storage elsewhere, which must not get the registry's Authorization. (The build-service's and the
 * gateway's tests run the same client against Debian's docker-registry with token authentication.)
 */
class RegistryApiTest {

    private final FakeRegistry registry = new FakeRegistry();
    private final AtomicReference<RegistryCredentials> login = new AtomicReference<>(
            new RegistryCredentials("robot", "s3cret"));

    @AfterEach
    void stop() {
        registry.close();
    }

    private RegistryApi api() {
        RegistryAddress address = RegistryAddress.parse("127.0.0.1:" + registry.port() + "/team", null).orElseThrow();
        return new RegistryApi(address, () -> Optional.ofNullable(login.get()));
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenAskedWithTheLoginAndTheTokenIsKeptForItsRepository() throws Exception {
        registry.bearer = true;
        RegistryApi api = api();
        assertEquals(200, api.send("HEAD", "/v2/team/stagecraft/shop/web/manifests/t1").statusCode());
        assertEquals(List.of("service=fake-registry&scope=repository:team/stagecraft/shop/web:pull"),
                registry.tokenQueries, "the challenge's service and scope, asked with the login");
        assertEquals(200, api.send("HEAD", "/v2/team/stagecraft/shop/web/manifests/t2").statusCode());
        assertEquals(1, registry.tokenQueries.size(), "the token of that repository is used again");
        assertEquals(List.of("HEAD t1 -", "HEAD t1 Bearer", "HEAD t2 Bearer"), registry.requests,
                "one challenge, then the token straight away");

        assertEquals(202, api.send("DELETE", "/v2/team/stagecraft/shop/web/manifests/sha256:ab").statusCode());
        assertEquals("service=fake-registry&scope=repository:team/stagecraft/shop/web:delete",
                registry.tokenQueries.get(1), "another method, another scope");
        assertEquals(200, api.send("GET", "/v2/_catalog?n=1000").statusCode());
        assertEquals("service=fake-registry&scope=registry:catalog:*", registry.tokenQueries.get(2));
    }

    /** A token that expired is answered 401 and replaced; the login is read again, so a rotated Secret is used. */
    @Test
    void aTokenTheRegistryNoLongerTakesIsReplacedWithTheLoginAsItIsNow() throws Exception {
        registry.bearer = true;
        RegistryApi api = api();
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        registry.tokens.clear(); // expired
        login.set(new RegistryCredentials("robot", "rotated"));
        registry.password = "rotated";
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(2, registry.tokenQueries.size());
    }

    @Test
    void aRefusedLoginSaysWhoseAndWhereItComesFromButNotThePassword() {
        registry.bearer = true;
        login.set(new RegistryCredentials("robot", "wrong-password"));
        IOException refused = assertThrows(IOException.class,
                () -> api().send("GET", "/v2/team/stagecraft/shop/web/tags/list"));
        assertTrue(refused.getMessage().contains("token service http://127.0.0.1:" + registry.port() + "/token"
                + " answered HTTP 401 for repository:team/stagecraft/shop/web:pull: it refused the credentials of"
                + " STAGECRAFT_REGISTRY_AUTH_FILE (robot)"), refused.getMessage());
        assertFalse(refused.getMessage().contains("wrong-password"));

        login.set(null);
        IOException anonymous = assertThrows(IOException.class,
                () -> api().send("GET", "/v2/team/stagecraft/shop/web/tags/list"));
        assertTrue(anonymous.getMessage().endsWith("no credentials are configured (STAGECRAFT_REGISTRY_AUTH_FILE)"),
                anonymous.getMessage());
    }

    @Test
    void aBasicChallengeGetsTheLoginOnceAndARefusedOneIsTheRegistrysAnswer() throws Exception {
        RegistryApi api = api();
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(List.of("GET tags -", "GET tags Basic", "GET tags Basic"), registry.requests);

        registry.password = "changed";
        registry.requests.clear();
        assertEquals(401, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(List.of("GET tags Basic"), registry.requests, "the same refused login is not sent again");
    }

    /** Object storage signs its own URLs and refuses a second Authorization; it is not the registry's to get. */
    @Test
    void aBlobRedirectedToStorageIsFetchedWithoutTheRegistrysAuthorization() throws Exception {
        registry.bearer = true;
        var blob = api().send("GET", "/v2/team/stagecraft/shop/web/blobs/sha256:cf");
        assertEquals(200, blob.statusCode());
        assertEquals("{\"created\":\"2020-01-01T00:00:00Z\"}", blob.body());
        assertEquals(List.of("storage -"), registry.storageRequests);
    }

    @Test
    void challengeParametersKeepCommasInsideQuotes() {
        assertEquals(Map.of("realm", "https://auth.example.com/token", "service", "registry.example.com", "scope",
                "repository:a/b:pull,push repository:c:pull"), RegistryApi.parameters(" realm=\"https://auth.example"
                        + ".com/token\",service=\"registry.example.com\",scope=\"repository:a/b:pull,push"
                        + " repository:c:pull\""));
        assertEquals(Map.of("realm", "fake", "error", "insufficient_scope"),
                RegistryApi.parameters("realm=fake, error=\"insufficient_scope\""));
    }

    /**
     * A registry and its token service on one loopback server, and object storage on another: with {@code bearer}
     * it takes only tokens for the scope a request needs, else HTTP Basic.
     */
    static final class FakeRegistry implements AutoCloseable {

        volatile boolean bearer;
        volatile String password = "s3cret";
        final Map<String, String> tokens = new ConcurrentHashMap<>();
        final List<String> tokenQueries = Collections.synchronizedList(new ArrayList<>());
        final List<String> requests = Collections.synchronizedList(new ArrayList<>());
        final List<String> storageRequests = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger issued = new AtomicInteger();
        private final HttpServer server;
        private final HttpServer storage;

        FakeRegistry() {
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
                storageRequests.add("storage " + (auth == null ? "-" : auth.split(" ")[0]));
                respond(exchange, auth == null ? 200 : 400, "{\"created\":\"2020-01-01T00:00:00Z\"}", null);
            });
            server.start();
            storage.start();
        }

        int port() {
            return server.getAddress().getPort();
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
            respond(exchange, method.equals("DELETE") ? 202 : 200, "{}", null);
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
}
