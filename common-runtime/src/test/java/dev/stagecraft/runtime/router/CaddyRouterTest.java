package dev.stagecraft.runtime.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

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
    void anEnvironmentCannotTakeAHostNameAnotherOneHasNorAWildcard() {
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

            router.publish(first, "web", List.of(shared), "127.0.0.1:10"); // its own route: replaced, not refused
            assertTrue(router.routedEnvironments().contains(first));
            assertFalse(router.routedEnvironments().contains(second));
        } finally {
            router.unpublish(first);
            router.unpublish(second);
        }
        assertFalse(router.routedEnvironments().contains(first));
        assertEquals("web-" + first + ".localhost", router.hostName(first, "web"));
        assertTrue(router.hostName("x".repeat(80), "web").split("\\.")[0].length() <= 63, "a DNS label fits");
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
        String routes = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                System.getenv("STAGECRAFT_ROUTER_ADMIN") + "/config/apps/http/servers/stagecraft/routes")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(routes.contains("\"stagecraft-no-environment\""), "the router's own 404 route is still there: " + routes);
    }
}
