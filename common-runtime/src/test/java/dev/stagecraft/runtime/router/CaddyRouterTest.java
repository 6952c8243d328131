package dev.stagecraft.runtime.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * The router client against the Caddy that {@code .ci/run} (or the demo, or {@code up.sh}) started: its admin API in
 * {@code STAGECRAFT_ROUTER_ADMIN}.
 */
class CaddyRouterTest {

    private static CaddyRouter router() {
        String admin = System.getenv("STAGECRAFT_ROUTER_ADMIN");
        assertNotNull(admin, "STAGECRAFT_ROUTER_ADMIN names the router's admin API (.ci/run starts one)");
        return new CaddyRouter(URI.create(admin), "stagecraft", "localhost", "http", 80);
    }

    @Test
    void anEnvironmentCannotTakeAHostNameAnotherOneHasNorAWildcard() throws Exception {
        CaddyRouter router = router();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String first = "rt-" + run + "-first";
        String second = "rt-" + run + "-second";
        String shared = "shop-" + run + ".localhost";
        try {
            router.publish(first, "web", List.of(shared, router.hostName(first, "web")), "127.0.0.1:9");
            CaddyRouter.RouterException taken = assertThrows(CaddyRouter.RouterException.class, () -> router.publish(
                    second, "web", List.of(shared), "127.0.0.1:9"));
            assertTrue(taken.getMessage().contains("already routed to environment " + first), taken.getMessage());
            CaddyRouter.RouterException wildcard = assertThrows(CaddyRouter.RouterException.class, () -> router.publish(
                    second, "web", List.of("*.localhost"), "127.0.0.1:9"));
            assertTrue(wildcard.getMessage().contains("not a host name"), wildcard.getMessage());
            CaddyRouter.RouterException foreign = assertThrows(CaddyRouter.RouterException.class, () -> router.publish(
                    second, "web", List.of("login.bank.example.com"), "127.0.0.1:9"));
            assertTrue(foreign.getMessage().contains("not under an allowed domain suffix: localhost"),
                    foreign.getMessage());

            router.publish(first, "web", List.of(shared), "127.0.0.1:10"); // its own route: replaced, not refused
            router.publish(second, "api", List.of(router.hostName(second, "api")), "127.0.0.1:11");
            String before = routesJson();
            router.publish(first, "web", List.of(shared), "127.0.0.1:10"); // as it is: nothing moves or changes
            assertEquals(before, routesJson(), "publishing a route as it is changes nothing");
            assertTrue(router.routedEnvironments().contains(first));
            assertTrue(router.routedEnvironments().contains(second));
        } finally {
            router.unpublish(first);
            router.unpublish(second);
        }
        assertFalse(router.routedEnvironments().contains(first));
        assertEquals("web-" + first + ".localhost", router.hostName(first, "web"));
        assertTrue(router.hostName("x".repeat(80), "web").split("\\.")[0].length() <= 63, "a DNS label fits");
    }

    private static String routesJson() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(System.getenv("STAGECRAFT_ROUTER_ADMIN")
                + "/config/apps/http/servers/stagecraft/routes")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Caddy replaces its admin server on every configuration change and drops the old one's idle connections; another
     * service's router client, mid-request on such a connection, must not fail because of it.
     */
    @Test
    void callsSurviveTheAdminServerRestartingOnAnotherServicesChange() throws Exception {
        CaddyRouter setup = router();
        CaddyRouter teardown = router();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String busy = "rt-" + run + "-busy";
        String other = "rt-" + run + "-other";
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Integer> changes = CompletableFuture.supplyAsync(() -> {
            int n = 0;
            while (!done.get() && n < 400) {
                setup.publish(busy, "web", List.of(setup.hostName(busy, "web")), "127.0.0.1:" + (9000 + n % 100));
                n++;
            }
            return n;
        });
        try {
            for (int i = 0; i < 150 && !changes.isDone(); i++) {
                teardown.publish(other, "web", List.of(teardown.hostName(other, "web")), "127.0.0.1:9");
                assertTrue(teardown.unpublish(other), "the route just published is removed");
            }
        } finally {
            done.set(true);
            assertTrue(changes.get() > 0);
            setup.unpublish(busy);
        }
        assertFalse(teardown.routedEnvironments().contains(busy));
        assertFalse(teardown.routedEnvironments().contains(other));
        String routes = routesJson();
        assertTrue(routes.contains("\"stagecraft-no-environment\""), "the router's own 404 route is still there: " + routes);
    }

    /**
     * {@code STAGECRAFT_ROUTER_SCHEME=https}: the router that {@code router_start} (deploy/local/lib.sh) starts serves
     * a route's host names over TLS with certificates from Caddy's internal CA, whose root stays in Caddy's data
     * folder; the URL the runtime hands out is the https one.
     */
    @Test
    void withHttpsTheRouterServesEachHostNameWithACertificateFromItsOwnCa() throws Exception {
        Path dir = Files.createTempDirectory("router-tls");
        Path lib = Path.of("..", "deploy", "local", "lib.sh").toAbsolutePath().normalize();
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = "served over tls\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        try {
            ProcessBuilder startRouter = new ProcessBuilder("bash", "-c", "source \"$0\" && router_start \"$1\"",
                    lib.toString(), dir.toString()).redirectErrorStream(true);
            startRouter.environment().put("STAGECRAFT_ROUTER_SCHEME", "https");
            Process start = startRouter.start();
            String output = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, start.waitFor(), output);
            Properties env = new Properties();
            try (var in = Files.newBufferedReader(dir.resolve("caddy.env"))) {
                env.load(in);
            }
            int port = Integer.parseInt(env.getProperty("STAGECRAFT_ROUTER_PORT"));
            CaddyRouter router = new CaddyRouter(URI.create(env.getProperty("STAGECRAFT_ROUTER_ADMIN")), "stagecraft",
                    "localhost", "https", port);
            String environment = "rt-" + UUID.randomUUID().toString().substring(0, 8) + "-tls";
            String host = router.hostName(environment, "web");
            router.publish(environment, "web", List.of(host), "127.0.0.1:" + upstream.getAddress().getPort());
            assertEquals("https://" + host + ":" + port, router.url(host));

            Path root = dir.resolve("caddy/caddy/pki/authorities/local/root.crt");
            // the certificate is issued in the background
            String answer = Awaitility.await("an answer over TLS").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsMatching(e -> e instanceof IOException || e instanceof GeneralSecurityException)
                    .until(() -> getOverTls(host, port, root), java.util.Objects::nonNull);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("served over tls"), answer);

            // asleep: the woken request goes back through the router over TLS, to the resumed service's route
            HttpServer waker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            waker.createContext("/router/wake", exchange -> {
                router.publish(environment, "web", List.of(host), "127.0.0.1:" + upstream.getAddress().getPort());
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            waker.start();
            try {
                router.publishWake(environment, "web", List.of(host), "127.0.0.1:" + waker.getAddress().getPort());
                String woken = getOverTls(host, port, root);
                assertTrue(woken.startsWith("HTTP/1.1 200"), woken);
                assertTrue(woken.contains("served over tls"), woken);
            } finally {
                waker.stop(0);
            }
            router.unpublish(environment);
        } finally {
            upstream.stop(0);
            Process stop = new ProcessBuilder("bash", "-c", "source \"$0\" && router_stop \"$1\" && remove_tree \"$1\"",
                    lib.toString(), dir.toString()).redirectErrorStream(true).start();
            stop.getInputStream().readAllBytes();
            stop.waitFor();
        }
    }

    /**
     * A sleeping service's route hands each request first to the wake endpoint (a GET without the body, naming the
     * environment and service), and on 2xx lets the request itself, method, path and body, through the router again,
     * where the resumed service's own route answers it. Any other answer is the user's; a route that did not change
     * cannot loop.
     */
    @Test
    void aSleepingServicesRequestWaitsForTheWakeThenTheResumedServiceAnswersIt() throws Exception {
        int port = Integer.parseInt(System.getenv("STAGECRAFT_ROUTER_PORT"));
        CaddyRouter router = new CaddyRouter(URI.create(System.getenv("STAGECRAFT_ROUTER_ADMIN")), "stagecraft",
                "localhost", "http", port, List.of(), null);
        String environment = "rt-" + UUID.randomUUID().toString().substring(0, 8) + "-sleep";
        String host = router.hostName(environment, "web");
        HttpServer service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        service.createContext("/", exchange -> {
            byte[] body = ("resumed " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        String[] mode = {"waiting"};
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer waker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        waker.createContext("/router/wake", exchange -> {
            var headers = exchange.getRequestHeaders();
            calls.add(exchange.getRequestMethod() + " " + headers.getFirst(CaddyRouter.ENVIRONMENT_HEADER) + " "
                    + headers.getFirst(CaddyRouter.SERVICE_HEADER) + " woken=" + headers.getFirst(
                            CaddyRouter.WOKEN_HEADER) + " body=" + exchange.getRequestBody().readAllBytes().length);
            int status;
            if (headers.getFirst(CaddyRouter.WOKEN_HEADER) != null) {
                status = 502;
            } else if (mode[0].equals("resume")) {
                // as the resume does: the service's own route replaces the sleeping one before the wake answers
                router.publish(environment, "web", List.of(host), "127.0.0.1:" + service.getAddress().getPort());
                status = 204;
            } else {
                status = mode[0].equals("stuck") ? 204 : 503;
            }
            byte[] page = (status == 503 ? "waking up" : status == 502 ? "still asleep" : "")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, page.length == 0 ? -1 : page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        service.start();
        waker.start();
        try {
            String wake = "127.0.0.1:" + waker.getAddress().getPort();
            router.publishWake(environment, "web", List.of(host), wake);
            assertTrue(router.routedEnvironments().contains(environment), "a sleeping environment keeps its routes");

            String[] waiting = viaRouter(port, "GET", host, "/orders?page=2", null);
            assertEquals("503", waiting[0]);
            assertEquals("waking up", waiting[1], "the wake endpoint's page is the user's answer");
            assertEquals("GET " + environment + " web woken=null body=0", calls.get(0));

            mode[0] = "resume";
            String[] answered = viaRouter(port, "POST", host, "/orders?page=2", "two pizzas");
            assertEquals("200", answered[0], answered[1]);
            assertEquals("resumed POST /orders?page=2 two pizzas", answered[1], "the request itself, body and all");
            assertEquals("GET " + environment + " web woken=null body=0", calls.get(1),
                    "the wake call is a GET without the body");

            router.publishWake(environment, "web", List.of(host), wake);
            mode[0] = "stuck";
            String[] stuck = viaRouter(port, "GET", host, "/orders?page=2", null);
            assertEquals("502", stuck[0], "a route that did not change is not followed round again");
            assertEquals(4, calls.size(), calls.toString());
            assertEquals("GET " + environment + " web woken=" + environment + " body=0", calls.get(3));
        } finally {
            router.unpublish(environment);
            waker.stop(0);
            service.stop(0);
        }
    }

    /**
     * One request to the router on loopback for {@code host} (a Host header the JDK's client does not let one set):
     * the status code and the body (answers here carry a Content-Length).
     */
    private static String[] viaRouter(int port, String method, String host, String path, String body)
            throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\nContent-Length: " + content.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = answer.indexOf("\r\n\r\n");
            return new String[] {answer.substring(9, 12), end < 0 ? "" : answer.substring(end + 4)};
        }
    }

    /** GET / from the router's port on loopback for {@code host} (SNI and certificate check), trusting only {@code root}. */
    private static String getOverTls(String host, int port, Path root) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (var in = Files.newInputStream(root)) {
            trust.setCertificateEntry("caddy-local-root", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            plain.setSoTimeout(5000);
            try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(host)));
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                socket.setSSLParameters(parameters);
                socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
