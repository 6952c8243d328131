package dev.stagecraft.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Talks to the gateway from outside, as a git host and as a person using the API would. */
public final class GatewayClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile UnaryOperator<String> diagnosis;

    /** @param token an API token (sent to the gateway's /api routes as a bearer token) */
    public GatewayClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    /**
     * What to add, for an environment id, to the message of a wait that timed out: where the stack behind the gateway
     * says the environment's workflow stopped.
     */
    void diagnoseWith(UnaryOperator<String> diagnosis) {
        this.diagnosis = diagnosis;
    }

    /** An HTTP answer: status and body. */
    public record Answer(int status, String body) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    public String registerApplication(String name, String repoUrl, String secret, String template) throws IOException,
            InterruptedException {
        return registerApplication(name, repoUrl, secret, template, "docker");
    }

    /** Registers an application whose environments run on {@code runtime} (docker or kubernetes). */
    public String registerApplication(String name, String repoUrl, String secret, String template, String runtime)
            throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("name", name, "repository", Map.of("url", repoUrl, "provider",
                "github"), "webhookSecret", secret, "template", template, "runtime", runtime));
        Answer answer = send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/applications"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        if (answer.status() != 201) {
            throw new IllegalStateException("registering " + name + " answered " + answer.status() + ": " + answer.body());
        }
        return answer.json().get("id").asText();
    }

    /** Where the gateway listens, e.g. {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** Sends a GitHub delivery, signed with {@code secret} exactly as GitHub signs (HMAC-SHA256 of the raw body). */
    public Answer webhook(String event, JsonNode payload, String secret, String delivery) throws IOException,
            InterruptedException {
        byte[] body = JSON.writeValueAsBytes(payload);
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/webhooks/github"))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", sign(secret, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Answer webhook(String event, JsonNode payload, String secret) throws IOException, InterruptedException {
        return webhook(event, payload, secret, UUID.randomUUID().toString());
    }

    public JsonNode environments(String application) throws IOException, InterruptedException {
        return get("/api/environments?application=" + application).json();
    }

    public JsonNode environment(String id) throws IOException, InterruptedException {
        return get("/api/environments/" + id).json();
    }

    /** POST of a JSON body to an API route. */
    public Answer post(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** PUT of a JSON body to an API route. */
    public Answer put(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Answer delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token)
                .DELETE());
    }

    public Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token).GET());
    }

    /** Polls an environment until {@code condition} holds; fails naming its state and failure reason. */
    public JsonNode awaitEnvironment(String id, Predicate<JsonNode> condition, Duration timeout, String what)
            throws IOException, InterruptedException {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        try {
            return Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        last.set(environment(id));
                        return last.get();
                    }, condition);
        } catch (ConditionTimeoutException e) {
            JsonNode env = last.get();
            throw new AssertionError("environment " + id + " not " + what + " within " + timeout.toSeconds()
                    + "s: state " + env.path("state").asText() + ", reason " + env.path("failureReason").asText()
                    + ", workflows " + env.path("workflows")
                    + (diagnosis == null ? "" : "; the stack says: " + diagnosis.apply(id)));
        }
    }

    /**
     * GET of a URL outside the gateway (a service of an environment). A host under {@code .localhost} is reached on
     * 127.0.0.1 with its name in the Host header, as curl and browsers do (the JDK would ask DNS for it).
     */
    public Answer fetch(String url) throws IOException, InterruptedException {
        URI uri = URI.create(url);
        if (uri.getHost() != null && uri.getHost().endsWith(".localhost")) {
            return viaLoopback(uri);
        }
        return send(HttpRequest.newBuilder(uri).GET());
    }

    private static Answer viaLoopback(URI uri) throws IOException {
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + (uri.getPort() > 0
                    ? ":" + uri.getPort() : "") + "\r\nConnection: close\r\nAccept-Encoding: identity\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headersEnd = response.indexOf("\r\n\r\n");
            String head = headersEnd < 0 ? response : response.substring(0, headersEnd);
            String body = headersEnd < 0 ? "" : response.substring(headersEnd + 4);
            if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            return new Answer(Integer.parseInt(head.split(" ", 3)[1]), body);
        }
    }

    private static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int lineEnd = body.indexOf("\r\n", i);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(i, lineEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(body, lineEnd + 2, lineEnd + 2 + size);
            i = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(response.statusCode(), response.body());
    }

    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
