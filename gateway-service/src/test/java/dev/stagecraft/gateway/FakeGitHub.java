package dev.stagecraft.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.messaging.SecretsProducer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A local stand-in for the GitHub REST API that records every request and checks its token: commit statuses,
 * issue comments (created with increasing ids, edited), pull request states, and failures on demand. Under
 * {@code /gitlab} and {@code /bitbucket} it answers the merge and pull request states of those hosts' APIs.
 */
public class FakeGitHub implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "ghp_test-token-for-stagecraft";
    static final String GITLAB_TOKEN = "glpat-test-token";
    static final String BITBUCKET_TOKEN = "bb-test-token";

    /** One request as GitHub would have received it. */
    record Request(String method, String path, JsonNode body) {
    }

    static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();
    static final Set<String> CLOSED = ConcurrentHashMap.newKeySet();
    static final AtomicInteger FAIL_NEXT = new AtomicInteger();
    /** The status the failures on demand answer with. */
    static final AtomicInteger FAIL_WITH = new AtomicInteger(502);
    private static final AtomicLong COMMENT_IDS = new AtomicLong(1000);
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/", this::handle);
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        // the GitHub token rests sealed, as an operator may keep it; GitLab's and Bitbucket's in clear
        return Map.of("stagecraft.github.token", sealed(TOKEN), "stagecraft.github.api-url", base,
                "stagecraft.github.backoff", "0.1s", "stagecraft.pull-request-check-interval", "0s",
                "stagecraft.gitlab.token", GITLAB_TOKEN, "stagecraft.gitlab.api-url", base + "/gitlab",
                "stagecraft.bitbucket.token", BITBUCKET_TOKEN, "stagecraft.bitbucket.api-url", base + "/bitbucket");
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath(); // as sent: a slash encoded into a segment stays %2F
        byte[] in = exchange.getRequestBody().readAllBytes();
        if (path.startsWith("/gitlab/") || path.startsWith("/bitbucket/")) {
            otherHost(exchange, method, exchange.getRequestURI().getRawPath());
            return;
        }
        if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))
                || !"application/vnd.github+json".equals(exchange.getRequestHeaders().getFirst("Accept"))) {
            answer(exchange, 401, "{\"message\":\"Bad credentials\"}");
            return;
        }
        JsonNode body = in.length == 0 ? null : EventJson.mapper().readTree(in);
        if (FAIL_NEXT.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            REQUESTS.add(new Request(method, path + " (failed)", body));
            answer(exchange, FAIL_WITH.get(), "{\"message\":\"Server Error\"}");
            return;
        }
        REQUESTS.add(new Request(method, path, body));
        if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/statuses/[0-9a-f]{40}")) {
            answer(exchange, 201, "{\"state\":\"" + body.path("state").asText() + "\"}");
        } else if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/issues/\\d+/comments")) {
            answer(exchange, 201, "{\"id\":" + COMMENT_IDS.incrementAndGet() + "}");
        } else if (method.equals("PATCH") && path.matches("/repos/[^/]+/[^/]+/issues/comments/\\d+")) {
            answer(exchange, 200, "{}");
        } else if (method.equals("GET") && path.matches("/repos/[^/]+/[^/]+/pulls/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(path) ? "closed" : "open") + "\"}");
        } else {
            answer(exchange, 404, "{\"message\":\"Not Found\"}");
        }
    }

    private static void otherHost(HttpExchange exchange, String method, String rawPath) throws IOException {
        boolean gitlab = rawPath.startsWith("/gitlab/");
        boolean authentic = gitlab ? GITLAB_TOKEN.equals(exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN"))
                : ("Bearer " + BITBUCKET_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
        if (!authentic) {
            answer(exchange, 401, "{\"message\":\"401 Unauthorized\"}");
            return;
        }
        REQUESTS.add(new Request(method, rawPath, null));
        if (gitlab && rawPath.matches("/gitlab/projects/[^/]+/merge_requests/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(rawPath) ? "merged" : "opened") + "\"}");
        } else if (!gitlab && rawPath.matches("/bitbucket/repositories/[^/]+/[^/]+/pullrequests/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(rawPath) ? "DECLINED" : "OPEN") + "\"}");
        } else {
            answer(exchange, 404, "{\"message\":\"Not Found\"}");
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    /** The requests about one repository (owner/name), in order. */
    static List<Request> of(String repository) {
        return REQUESTS.stream().filter(r -> r.path().startsWith("/repos/" + repository + "/")).toList();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** {@code token} sealed with the key the tests run with (the published development key). */
    private static String sealed(String token) {
        return SecretBox.fromBase64(SecretsProducer.DEVELOPMENT_KEY).seal(token);
    }
}
