package dev.stagecraft.gateway.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import com.sun.net.httpserver.HttpServer;

import dev.stagecraft.gateway.FakeGitHub;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.outbound.OutboundPolicy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.Guard;

/**
 * The fault tolerance every git host client's calls go through, with a host's REST client (GitLab's) against a host
 * that answers what a test says.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class GitHostGuardTest {

    private HttpServer host;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger failFirst = new AtomicInteger();
    private volatile String path;
    private volatile String token;
    private volatile String movedTo;
    private volatile String body = "{\"state\":\"opened\"}";

    @BeforeEach
    void startHost() throws IOException {
        host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host.createContext("/", exchange -> {
            path = exchange.getRequestURI().getRawPath();
            token = exchange.getRequestHeaders().getFirst("PRIVATE-TOKEN");
            int n = calls.incrementAndGet();
            if (movedTo != null) {
                exchange.getResponseHeaders().add("Location", movedTo);
                exchange.sendResponseHeaders(301, -1);
                exchange.close();
                return;
            }
            boolean fail = n <= failFirst.get();
            byte[] out = (fail ? "{\"message\":\"unavailable\"}" : body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
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

    private String ask(Guard guard) {
        GitLabClient gitlab = GitHostApi.client(GitLabClient.class, "http://127.0.0.1:" + host.getAddress().getPort()
                + "/api/v4/", Map.of("PRIVATE-TOKEN", "glpat-guard-test"));
        return guard.get(() -> GitHostApi.reaching("test host", () -> gitlab.mergeRequest("team/repo", 1)).state(),
                String.class);
    }

    @Test
    void aHostAnswering503IsAskedAgainWithBackoffUntilItAnswers() {
        failFirst.set(2);
        Guard guard = GitHostApi.guard("test-retry", 5, Duration.ofMillis(10), Duration.ofSeconds(60));

        assertEquals("opened", ask(guard));
        assertEquals(3, calls.get());
        assertEquals("/api/v4/projects/team%2Frepo/merge_requests/1", path, "the project path is one segment");
        assertEquals("glpat-guard-test", token);
    }

    @Test
    void aHostStillFailingAfterTheLastAttemptFailsTheCallSayingWhatItAnswered() {
        failFirst.set(Integer.MAX_VALUE);
        Guard guard = GitHostApi.guard("test-give-up", 3, Duration.ofMillis(10), Duration.ofSeconds(60));

        HostApiException failed = assertThrows(HostApiException.class, () -> ask(guard));

        assertEquals(503, failed.status());
        assertEquals("GET /api/v4/projects/team/repo/merge_requests/1 answered 503: {\"message\":\"unavailable\"}",
                failed.getMessage());
        assertEquals(3, calls.get());
    }

    @Test
    void aHostThatDoesNotAnswerIsAskedAgainLikeOneThatFails() {
        host.stop(0); // nothing listens on its port any more
        Guard guard = GitHostApi.guard("test-unreachable", 3, Duration.ofMillis(100), Duration.ofSeconds(60));
        long start = System.nanoTime();

        HostApiException failed = assertThrows(HostApiException.class, () -> ask(guard));

        assertEquals(0, failed.status());
        assertTrue(failed.transientFailure());
        assertTrue(failed.getMessage().startsWith("test host did not answer: "), failed.getMessage());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(),
                "tried three times, 0.1 s and 0.2 s apart");
    }

    /** A renamed repository answers 301; the client neither follows it (with the token) nor takes it for an answer. */
    @Test
    void aRedirectIsARefusalThatIsNotTriedAgain() {
        movedTo = "https://elsewhere.example/projects/42/merge_requests/1";
        Guard guard = GitHostApi.guard("test-redirect", 3, Duration.ofMillis(10), Duration.ofSeconds(60));

        HostApiException refused = assertThrows(HostApiException.class, () -> ask(guard));

        assertEquals(301, refused.status());
        assertFalse(refused.transientFailure());
        assertTrue(refused.getMessage().endsWith("a redirect to " + movedTo + ", which is not followed"),
                refused.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void anAnswerThatIsNotJsonIsARefusalThatIsNotTriedAgain() {
        body = "<html>maintenance</html>";
        Guard guard = GitHostApi.guard("test-not-json", 3, Duration.ofMillis(10), Duration.ofSeconds(60));

        HostApiException refused = assertThrows(HostApiException.class, () -> ask(guard));

        assertFalse(refused.transientFailure());
        assertTrue(refused.getMessage().startsWith("test host answered what could not be read: "),
                refused.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void aHostThatKeepsFailingOpensTheCircuitAndIsLeftAloneUntilItCloses() throws InterruptedException {
        failFirst.set(Integer.MAX_VALUE);
        Guard guard = GitHostApi.guard("test-circuit", 1, Duration.ofMillis(10), Duration.ofMillis(300));
        for (int i = 0; i < OutboundPolicy.CIRCUIT_WINDOW; i++) {
            assertThrows(HostApiException.class, () -> ask(guard));
        }

        assertThrows(CircuitBreakerOpenException.class, () -> ask(guard));
        assertEquals(OutboundPolicy.CIRCUIT_WINDOW, calls.get(), "an open circuit does not call the host");

        failFirst.set(0);
        long deadline = System.currentTimeMillis() + 5_000;
        String answer = null;
        while (answer == null && System.currentTimeMillis() < deadline) {
            try {
                answer = ask(guard);
            } catch (CircuitBreakerOpenException stillOpen) {
                Thread.sleep(20); // the circuit half-opens on the first call after its delay
            }
        }
        assertEquals("opened", answer, "the circuit lets a call through again after its delay");
    }
}
