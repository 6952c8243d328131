package dev.stagecraft.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the gateway on 127.0.0.1, on a port the kernel picks. It answers the routes a test gives it (method
 * and exact path with query), refuses a request without one of its tokens as the gateway's TokenFilter does, answers
 * a route it was not given with a 500, and records every request.
 */
final class FakeGateway implements AutoCloseable {

    /** A request as it arrived; {@code target} is the raw path and query. */
    record Request(String method, String target, String authorization, String contentType, String body,
            long arrivedNanos, String lastEventId) {

        JsonNode json() {
            try {
                return Json.parse(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("the body is not JSON: " + body, e);
            }
        }
    }

    /** An answer: status, content type, body and extra headers. */
    record Reply(int status, String contentType, String body, Map<String, String> headers) {

        static Reply json(int status, String body) {
            return new Reply(status, "application/json", body, Map.of());
        }

        static Reply ok(String body) {
            return json(200, body);
        }

        /** The gateway's error body, {@code {"error", "message", "details"}}. */
        static Reply error(int status, String code, String message, String detailsJson) {
            ObjectNode error = Json.object().put("error", code).put("message", message);
            try {
                error.set("details", Json.parse(detailsJson));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("details are not JSON: " + detailsJson, e);
            }
            return json(status, Json.compact(error));
        }

        static Reply error(int status, String code, String message) {
            return error(status, code, message, "[]");
        }

        Reply withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, contentType, body, more);
        }
    }

    /** Writes a Server-Sent Events answer. */
    interface EventStream {
        void write(Request request, SseWriter out) throws IOException, InterruptedException;
    }

    /** The open body of an event stream. */
    static final class SseWriter {

        private final OutputStream out;

        SseWriter(OutputStream out) {
            this.out = out;
        }

        void comment(String text) throws IOException {
            send(":" + text + "\n\n");
        }

        void event(String id, String name, String data) throws IOException {
            StringBuilder text = new StringBuilder("id: " + id + "\nevent: " + name + "\n");
            for (String line : data.split("\n", -1)) {
                text.append("data: ").append(line).append('\n');
            }
            send(text.append('\n').toString());
        }

        private void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<String> tokens;
    private final Map<String, Function<Request, Reply>> routes = new ConcurrentHashMap<>();
    private final Map<String, EventStream> streams = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeGateway(String... tokens) throws IOException {
        this.tokens = Set.of(tokens);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeGateway on(String method, String target, Reply reply) {
        return on(method, target, request -> reply);
    }

    FakeGateway on(String method, String target, Function<Request, Reply> reply) {
        routes.put(method + " " + target, reply);
        return this;
    }

    FakeGateway stream(String target, EventStream stream) {
        streams.put("GET " + target, stream);
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests made to {@code method target}, in order. */
    List<Request> requests(String method, String target) {
        List<Request> matching = new ArrayList<>();
        for (Request request : requests) {
            if (request.method().equals(method) && request.target().equals(target)) {
                matching.add(request);
            }
        }
        return matching;
    }

    /** The one request made to {@code method target}. */
    Request only(String method, String target) {
        List<Request> matching = requests(method, target);
        if (matching.size() != 1) {
            throw new AssertionError(matching.size() + " requests to " + method + " " + target + "; all: "
                    + requests.stream().map(r -> r.method() + " " + r.target()).toList());
        }
        return matching.get(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath()
                    + (query == null ? "" : "?" + query), exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), System.nanoTime(),
                    exchange.getRequestHeaders().getFirst("Last-Event-ID"));
            requests.add(request);
            String auth = request.authorization();
            if (auth == null || !auth.startsWith("Bearer ")) {
                send(exchange, Reply.error(401, "unauthenticated",
                        "send an API token as 'Authorization: Bearer <token>'"
                                + " (event and log streams also take ?ticket= from POST /api/stream-tickets)")
                        .withHeader("WWW-Authenticate", "Bearer"));
                return;
            }
            if (!tokens.contains(auth.substring(7))) {
                send(exchange, Reply.error(401, "unauthenticated", "the API token is not valid (unknown or revoked)")
                        .withHeader("WWW-Authenticate", "Bearer"));
                return;
            }
            String key = request.method() + " " + request.target();
            EventStream stream = streams.get(key);
            if (stream != null) {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                try {
                    stream.write(request, new SseWriter(exchange.getResponseBody()));
                } catch (IOException | InterruptedException e) {
                    // the client went away
                }
                return;
            }
            Function<Request, Reply> route = routes.get(key);
            send(exchange, route != null ? route.apply(request)
                    : Reply.error(500, "fake_has_no_route", "the fake gateway has no route " + key));
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (reply.body() == null) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
