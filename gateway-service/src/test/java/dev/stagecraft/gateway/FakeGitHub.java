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
 * issue comments (created with increasing ids, edited), deployments and their statuses, pull request states, and
 * failures on demand. Under {@code /gitlab} and {@code /bitbucket} it stands in for those hosts' APIs, each checking
 * its own token: merge and pull request states, commit statuses (GitLab refuses a status already in the same running
 * state, as gitlab.com does), merge request notes and pull request comments, created with increasing ids and edited.
 */
public class FakeGitHub implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "ghp_test-token-for-stagecraft";
    static final String GITLAB_TOKEN = "glpat-test-token";
    static final String BITBUCKET_TOKEN = "bb-test-token";

    /** One request as the host would have received it, with its credentials and content type. */
    record Request(String method, String path, JsonNode body, Map<String, String> headers) {

        Request(String method, String path, JsonNode body) {
            this(method, path, body, Map.of());
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    /** The headers a request is checked by: its credentials and content type. */
    private static final List<String> HEADERS = List.of("Authorization", "PRIVATE-TOKEN", "Content-Type", "Accept");

    static final List<Request> REQUESTS = new CopyOnWriteArrayList<>();
    static final Set<String> CLOSED = ConcurrentHashMap.newKeySet();
    static final AtomicInteger FAIL_NEXT = new AtomicInteger();
    /** The status the failures on demand answer with. */
    static final AtomicInteger FAIL_WITH = new AtomicInteger(502);
    private static final AtomicLong COMMENT_IDS = new AtomicLong(1000);
    private static final AtomicLong DEPLOYMENT_IDS = new AtomicLong(5000);
    /** The last state of each GitLab commit status, by project, commit and name. */
    private static final Map<String, String> GITLAB_STATES = new ConcurrentHashMap<>();
    /** The comments and notes GitLab and Bitbucket hold, by path. */
    private static final Set<String> COMMENTS = ConcurrentHashMap.newKeySet();
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
            otherHost(exchange, method, path, in.length == 0 ? null : EventJson.mapper().readTree(in));
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
        REQUESTS.add(new Request(method, path, body, headers(exchange)));
        if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/statuses/[0-9a-f]{40}")) {
            answer(exchange, 201, "{\"state\":\"" + body.path("state").asText() + "\"}");
        } else if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/issues/\\d+/comments")) {
            answer(exchange, 201, "{\"id\":" + COMMENT_IDS.incrementAndGet() + "}");
        } else if (method.equals("PATCH") && path.matches("/repos/[^/]+/[^/]+/issues/comments/\\d+")) {
            answer(exchange, 200, "{}");
        } else if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/deployments")) {
            answer(exchange, 201, "{\"id\":" + DEPLOYMENT_IDS.incrementAndGet() + ",\"ref\":\""
                    + body.path("ref").asText() + "\"}");
        } else if (method.equals("POST") && path.matches("/repos/[^/]+/[^/]+/deployments/\\d+/statuses")) {
            answer(exchange, 201, "{\"state\":\"" + body.path("state").asText() + "\"}");
        } else if (method.equals("GET") && path.matches("/repos/[^/]+/[^/]+/pulls/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(path) ? "closed" : "open") + "\"}");
        } else {
            answer(exchange, 404, "{\"message\":\"Not Found\"}");
        }
    }

    private static void otherHost(HttpExchange exchange, String method, String rawPath, JsonNode body)
            throws IOException {
        boolean gitlab = rawPath.startsWith("/gitlab/");
        boolean authentic = gitlab ? GITLAB_TOKEN.equals(exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN"))
                : ("Bearer " + BITBUCKET_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
        if (!authentic) {
            answer(exchange, 401, "{\"message\":\"401 Unauthorized\"}");
            return;
        }
        if (gitlab && method.equals("POST") && rawPath.matches("/gitlab/projects/[^/]+/statuses/[0-9a-f]{40}")) {
            String key = rawPath + " " + body.path("name").asText();
            String state = body.path("state").asText();
            if (state.equals(GITLAB_STATES.put(key, state)) && state.equals("running")) {
                REQUESTS.add(new Request(method, rawPath + " (refused)", body, headers(exchange)));
                answer(exchange, 400, "{\"message\":\"Cannot transition status via :run from :running (Reason(s):"
                        + " Status cannot transition via \\\"run\\\")\"}");
                return;
            }
        }
        REQUESTS.add(new Request(method, rawPath, body, headers(exchange)));
        if (gitlab && method.equals("GET") && rawPath.matches("/gitlab/projects/[^/]+/merge_requests/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(rawPath) ? "merged" : "opened") + "\"}");
        } else if (gitlab && method.equals("POST") && rawPath.matches("/gitlab/projects/[^/]+/statuses/[0-9a-f]{40}")) {
            answer(exchange, 201, "{\"id\":1,\"status\":\"" + body.path("state").asText() + "\"}");
        } else if (method.equals("POST") && (rawPath.matches("/gitlab/projects/[^/]+/merge_requests/\\d+/notes")
                || rawPath.matches("/bitbucket/repositories/[^/]+/[^/]+/pullrequests/\\d+/comments"))) {
            long id = COMMENT_IDS.incrementAndGet();
            COMMENTS.add(rawPath + "/" + id);
            answer(exchange, 201, "{\"id\":" + id + "}");
        } else if (method.equals("PUT") && (rawPath.matches("/gitlab/projects/[^/]+/merge_requests/\\d+/notes/\\d+")
                || rawPath.matches("/bitbucket/repositories/[^/]+/[^/]+/pullrequests/\\d+/comments/\\d+"))) {
            boolean known = COMMENTS.contains(rawPath);
            answer(exchange, known ? 200 : 404, known ? "{\"id\":" + rawPath.replaceAll(".*/", "") + "}"
                    : "{\"message\":\"404 Not found\"}");
        } else if (!gitlab && method.equals("GET")
                && rawPath.matches("/bitbucket/repositories/[^/]+/[^/]+/pullrequests/\\d+")) {
            answer(exchange, 200, "{\"state\":\"" + (CLOSED.contains(rawPath) ? "DECLINED" : "OPEN") + "\"}");
        } else if (!gitlab && method.equals("POST")
                && rawPath.matches("/bitbucket/repositories/[^/]+/[^/]+/commit/[0-9a-f]{40}/statuses/build")) {
            answer(exchange, 201, "{\"key\":\"" + body.path("key").asText() + "\",\"state\":\""
                    + body.path("state").asText() + "\"}");
        } else {
            answer(exchange, 404, "{\"message\":\"Not Found\"}");
        }
    }

    private static Map<String, String> headers(HttpExchange exchange) {
        Map<String, String> headers = new java.util.HashMap<>();
        HEADERS.forEach(name -> {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                headers.put(name, value);
            }
        });
        return Map.copyOf(headers);
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

    /** The requests whose path starts with {@code prefix} (GitLab's and Bitbucket's, say), in order. */
    static List<Request> under(String prefix) {
        return REQUESTS.stream().filter(r -> r.path().startsWith(prefix)).toList();
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
