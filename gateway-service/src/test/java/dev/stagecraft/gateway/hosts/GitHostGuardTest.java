package dev.stagecraft.gateway.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import dev.stagecraft.gateway.FakeGitHub;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.Guard;

/** The fault tolerance every git host client's calls go through, against a host that answers what a test says. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class GitHostGuardTest {

    private HttpServer host;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger failFirst = new AtomicInteger();

    @BeforeEach
    void startHost() throws IOException {
        host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host.createContext("/", exchange -> {
            int n = calls.incrementAndGet();
            boolean fail = n <= failFirst.get();
            byte[] out = (fail ? "{\"message\":\"unavailable\"}" : "{\"state\":\"open\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(fail ? 503 : 200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        host.start();
    }

    @AfterEach
    void stopHost() {
        host.stop(0);
    }

    private JsonNode ask(Guard guard) {
        return guard.get(() -> HostHttp.call("GET", "http://127.0.0.1:" + host.getAddress().getPort() + "/pulls/1",
                Map.of(), null), JsonNode.class);
    }

    @Test
    void aHostAnswering503IsAskedAgainWithBackoffUntilItAnswers() {
        failFirst.set(2);
        Guard guard = GitHostApi.guard("test-retry", 5, Duration.ofMillis(10), Duration.ofSeconds(60));

        assertEquals("open", ask(guard).path("state").asText());
        assertEquals(3, calls.get());
    }

    @Test
    void aHostStillFailingAfterTheLastAttemptFailsTheCall() {
        failFirst.set(Integer.MAX_VALUE);
        Guard guard = GitHostApi.guard("test-give-up", 3, Duration.ofMillis(10), Duration.ofSeconds(60));

        HostApiException failed = assertThrows(HostApiException.class, () -> ask(guard));

        assertEquals(503, failed.status());
        assertEquals(3, calls.get());
    }

    @Test
    void aHostThatKeepsFailingOpensTheCircuitAndIsLeftAloneUntilItCloses() throws InterruptedException {
        failFirst.set(Integer.MAX_VALUE);
        Guard guard = GitHostApi.guard("test-circuit", 1, Duration.ofMillis(10), Duration.ofMillis(300));
        for (int i = 0; i < GitHostApi.CIRCUIT_WINDOW; i++) {
            assertThrows(HostApiException.class, () -> ask(guard));
        }

        assertThrows(CircuitBreakerOpenException.class, () -> ask(guard));
        assertEquals(GitHostApi.CIRCUIT_WINDOW, calls.get(), "an open circuit does not call the host");

        failFirst.set(0);
        long deadline = System.currentTimeMillis() + 5_000;
        JsonNode answer = null;
        while (answer == null && System.currentTimeMillis() < deadline) {
            try {
                answer = ask(guard);
            } catch (CircuitBreakerOpenException stillOpen) {
                Thread.sleep(20); // the circuit half-opens on the first call after its delay
            }
        }
        assertEquals("open", answer == null ? null : answer.path("state").asText(),
                "the circuit lets a call through again after its delay");
    }
}
