package dev.stagecraft.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The router as the gateway sees it for sleep: Caddy's admin API serving the route list (set by the test), and an
 * access log file the test appends Caddy-shaped JSON lines to.
 */
public class FakeRouterAdmin implements QuarkusTestResourceLifecycleManager {

    static volatile String routes = "[]";
    static Path accessLog;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            accessLog = Files.createTempFile("router-access", ".log");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/config/apps/http/servers/stagecraft/routes", exchange -> {
            byte[] body = routes.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return Map.of("stagecraft.sleep.router-admin", "http://127.0.0.1:" + server.getAddress().getPort(),
                "stagecraft.sleep.access-log", accessLog.toString(),
                "stagecraft.sleep.check", "1h", // the test checks at moments of its own
                "stagecraft.sleep.wake-wait", "3s");
    }

    /** A route of the environment's service matching {@code hosts}, as the stage services name it. */
    static void route(String environment, String service, String... hosts) {
        StringBuilder json = new StringBuilder("[{\"@id\":\"sc-" + environment + "__" + service
                + "\",\"match\":[{\"host\":[");
        for (int i = 0; i < hosts.length; i++) {
            json.append(i == 0 ? "" : ",").append('"').append(hosts[i]).append('"');
        }
        routes = json.append("]}],\"handle\":[],\"terminal\":true},{\"@id\":\"stagecraft-no-environment\"}]")
                .toString();
    }

    /** One request as Caddy logs it, with the Host header as the client sent it. */
    static void request(String host, Instant at) throws IOException {
        String line = "{\"level\":\"info\",\"ts\":" + at.getEpochSecond() + "." + String.format("%09d", at.getNano())
                + ",\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{\"remote_ip\":"
                + "\"127.0.0.1\",\"proto\":\"HTTP/1.1\",\"method\":\"GET\",\"host\":\"" + host + "\",\"uri\":\"/\"},"
                + "\"status\":200}\n";
        Files.writeString(accessLog, line, StandardOpenOption.APPEND);
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
