package dev.stagecraft.setup;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.DatasetPoolsReported;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TaskFinished;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.TestEnvironments;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.DockerDatasets;
import dev.stagecraft.runtime.docker.DockerRuntime;
import dev.stagecraft.runtime.docker.TestEngine;
import dev.stagecraft.runtime.router.CaddyRouter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The setup-service against real Kafka, PostgreSQL, a Docker engine and the router: what a setup does that a patch
 * does not (remove what left the spec) and what only this service does (keep routes in place).
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class SetupServiceTest {

    private static final TestEnvironments ENVIRONMENTS = new TestEnvironments("setup");
    private static DockerClient engine;
    private static String admin;

    @Inject
    Runtimes runtimes;

    @BeforeAll
    static void engineAndRouter() {
        engine = TestEngine.withBusybox();
        admin = System.getenv("STAGECRAFT_ROUTER_ADMIN");
        assertNotNull(admin, "STAGECRAFT_ROUTER_ADMIN names the router's admin API (.ci/run starts one)");
    }

    @AfterEach
    void tearDown() {
        ENVIRONMENTS.tearDown(runtimes.of("docker"));
    }

    /** A busybox service that serves its root folder on its port, or runs {@code script} instead. */
    private static ServiceSpec service(String name, String script) {
        return new ServiceSpec(name, BaseImages.BUSYBOX, null, 8080, Map.of(),
                List.of("sh", "-c", script == null ? "exec httpd -f -p $PORT -h /" : script), List.of(), List.of(),
                null, null, null, 1, List.of(), List.of(), false);
    }

    private static SetupRequested setup(String env, ServiceSpec... services) {
        return new SetupRequested(env, UUID.randomUUID().toString(), "c0ffee",
                new EnvironmentSpec("setup-test", List.of(services), Map.of()), Map.of());
    }

    private static List<String> services(String env) {
        return engine.listContainersCmd().withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec().stream()
                .map(c -> c.getLabels().get(Labels.SERVICE)).filter(java.util.Objects::nonNull).sorted().toList();
    }

    private static String routes() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(admin
                + "/config/apps/http/servers/stagecraft/routes")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aSetupStartsEveryServiceAndAnswersWithItsRoutedEndpoints() {
        String env = ENVIRONMENTS.named("starts");
        try (TestBus bus = new TestBus()) {
            SetupRequested request = setup(env, service("web", null), service("api", null));
            bus.publish(request);
            assertEquals(request.workflowId(), bus.await(SetupStarted.class, env).workflowId());
            SetupSucceeded done = (SetupSucceeded) bus.await(SetupSucceeded.class, env).data();
            assertEquals(request.workflowId(), done.workflowId());
            assertEquals(List.of("api", "web"), services(env));
            assertTrue(done.endpoints().get("web").contains("web-" + env + "."), done.endpoints().toString());
            assertTrue(done.endpoints().get("api").contains("api-" + env + "."), done.endpoints().toString());
        }
    }

    @Test
    void aSetupRemovesTheServicesItsSpecNoLongerHasAndTheirRoutes() throws Exception {
        String env = ENVIRONMENTS.named("converges");
        try (TestBus bus = new TestBus()) {
            bus.publish(setup(env, service("web", null), service("worker", null)));
            bus.await(SetupSucceeded.class, env);
            assertTrue(routes().contains("sc-" + env + "__worker"));

            SetupRequested again = setup(env, service("web", null));
            bus.publish(again);
            SetupSucceeded done = (SetupSucceeded) bus.await(SetupSucceeded.class, env).data();
            assertEquals(again.workflowId(), done.workflowId());
            assertEquals(List.of("web"), services(env), "the worker left the spec, so its container went");
            assertEquals(List.of("web"), List.copyOf(done.endpoints().keySet()));
            assertFalse(routes().contains("sc-" + env + "__worker"), "and its host name answers 404");
        }
    }

    @Test
    void aServiceThatExitsFailsTheSetupNamingItsTask() {
        String env = ENVIRONMENTS.named("fails");
        try (TestBus bus = new TestBus()) {
            bus.publish(setup(env, service("web", "echo cannot start; exit 3")));
            SetupFailed failed = (SetupFailed) bus.await(SetupFailed.class, env).data();
            assertEquals("services.web", failed.task());
            assertTrue(failed.reason().contains("exited with code 3"), failed.reason());
        }
    }

    @Test
    void theRouteSyncPutsBackARouteTheRouterLost() throws Exception {
        String env = ENVIRONMENTS.named("resync");
        try (TestBus bus = new TestBus()) {
            bus.publish(setup(env, service("web", null)));
            bus.await(SetupSucceeded.class, env);
        }
        // as after a router restart without its configuration
        new CaddyRouter(URI.create(admin), "stagecraft", "localhost", "http", 80).unpublish(env, "web");
        assertFalse(routes().contains("sc-" + env + "__web"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(
                () -> assertTrue(routes().contains("sc-" + env + "__web"), "the route is back"));
    }

    @Test
    void theDatasetPoolIsKeptFullAndASetupChecksACopyOutForItsDatabaseService() {
        DockerDatasets datasets = ((DockerRuntime) runtimes.of("docker")).datasets();
        Dataset dataset = datasets.dataset("setup-test");
        // the first pass builds the PostgreSQL image and restores the snapshot: minutes on a cold engine
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500))
                .until(() -> datasets.status(dataset).ready() >= 1);
        String env = ENVIRONMENTS.named("dataset");
        ServiceSpec db = new ServiceSpec("db", BaseImages.POSTGRES, null, 5432, Map.of(), List.of(), List.of(),
                List.of(), null, null, null, 1, List.of(), List.of(), false);
        try (TestBus bus = new TestBus()) {
            SetupRequested request = new SetupRequested(env, UUID.randomUUID().toString(), "c0ffee",
                    new EnvironmentSpec("setup-test", List.of(db, service("web", null)), Map.of())
                            .withDatasets(List.of(new EnvironmentSpec.DatasetSpec("setup-test", "db"))), Map.of());
            bus.publish(request);
            TaskFinished checkout = (TaskFinished) bus.await(TaskFinished.class,
                    e -> env.equals(e.subject()) && "datasets.setup-test".equals(((TaskFinished) e.data()).task()))
                    .data();
            assertTrue(checkout.message().contains("checked out from the pool"), checkout.message());
            bus.await(SetupSucceeded.class, env);
            assertEquals(List.of("db", "web"), services(env));
            assertTrue(datasets.checkedOut(env, dataset).isPresent());

            // the refill puts a copy back and says so on the lifecycle topic
            bus.await(DatasetPoolsReported.class, e -> ((DatasetPoolsReported) e.data()).pools().stream()
                    .anyMatch(p -> p.dataset().equals("setup-test") && p.snapshot() && p.checkedOut() >= 1
                            && p.ready() + p.filling() >= 1));
        }
    }
}
