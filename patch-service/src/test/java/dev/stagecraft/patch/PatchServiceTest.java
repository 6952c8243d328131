package dev.stagecraft.patch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.TestEnvironments;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.TestEngine;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The patch-service against real Kafka, PostgreSQL and a Docker engine: what a patch does that a setup does not
 * (touch only what changed, say what it replaced, leave everything else running, even what left the spec).
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class PatchServiceTest {

    private static final TestEnvironments ENVIRONMENTS = new TestEnvironments("patch");
    private static DockerClient engine;

    @Inject
    Runtimes runtimes;

    @BeforeAll
    static void baseImage() {
        engine = TestEngine.withBusybox();
    }

    @AfterEach
    void tearDown() {
        ENVIRONMENTS.tearDown(runtimes.of("docker"));
    }

    /** A busybox service serving its root folder, with {@code variables} of its own. */
    private static ServiceSpec serving(String name, Map<String, String> variables) {
        return new ServiceSpec(name, BaseImages.BUSYBOX, null, 8080, variables,
                List.of("sh", "-c", "exec httpd -f -p $PORT -h /"), List.of(), List.of(), null, null, null, 1,
                List.of(), List.of(), false);
    }

    /** Patches {@code env} to {@code services} and returns how it ended. */
    private static PatchSucceeded patch(TestBus bus, String env, ServiceSpec... services) {
        PatchRequested request = new PatchRequested(env, UUID.randomUUID().toString(), "c0ffee",
                new EnvironmentSpec("patch-test", List.of(services), Map.of()), Map.of());
        bus.publish(request);
        assertEquals(request.workflowId(), bus.await(PatchStarted.class, env).workflowId());
        PatchSucceeded done = (PatchSucceeded) bus.await(PatchSucceeded.class, env).data();
        assertEquals(request.workflowId(), done.workflowId());
        return done;
    }

    /** Container id per service of {@code env}, running ones only. */
    private static Map<String, String> containers(String env) {
        Map<String, String> ids = new TreeMap<>();
        for (Container c : engine.listContainersCmd().withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec()) {
            ids.put(c.getLabels().get(Labels.SERVICE), c.getId());
        }
        return ids;
    }

    @Test
    void aPatchReplacesOnlyTheServicesWhoseConfigurationChangedAndSaysWhich() {
        String env = ENVIRONMENTS.named("changed");
        try (TestBus bus = new TestBus()) {
            PatchSucceeded first = patch(bus, env, serving("web", Map.of()), serving("api", Map.of("LEVEL", "1")));
            assertEquals(List.of("api", "web"), first.replaced().stream().sorted().toList());
            Map<String, String> before = containers(env);

            PatchSucceeded second = patch(bus, env, serving("web", Map.of()), serving("api", Map.of("LEVEL", "2")));
            assertEquals(List.of("api"), second.replaced(), "only api's variables changed");
            Map<String, String> after = containers(env);
            assertEquals(before.get("web"), after.get("web"), "web kept its container");
            assertNotEquals(before.get("api"), after.get("api"), "api got a new one");
            assertEquals(List.of("api", "web"), second.endpoints().keySet().stream().sorted().toList());

            PatchSucceeded third = patch(bus, env, serving("web", Map.of()), serving("api", Map.of("LEVEL", "2")));
            assertEquals(List.of(), third.replaced(), "nothing changed, nothing restarted");
            assertEquals(after, containers(env));
        }
    }

    @Test
    void aPatchLeavesAServiceTheSpecNoLongerHasRunning() {
        String env = ENVIRONMENTS.named("kept");
        try (TestBus bus = new TestBus()) {
            patch(bus, env, serving("web", Map.of()), serving("worker", Map.of()));
            Map<String, String> before = containers(env);

            PatchSucceeded webOnly = patch(bus, env, serving("web", Map.of()));
            // web lost its WORKER_* discovery variables, so it restarts; the worker is not touched
            assertEquals(List.of("web"), webOnly.replaced());
            assertEquals(before.get("worker"), containers(env).get("worker"),
                    "removing services is the setup's work, not the patch's");
            assertEquals(List.of("web"), List.copyOf(webOnly.endpoints().keySet()));
        }
    }

    @Test
    void aServiceThatExitsFailsThePatchNamingItsTask() {
        String env = ENVIRONMENTS.named("fails");
        try (TestBus bus = new TestBus()) {
            ServiceSpec broken = new ServiceSpec("api", BaseImages.BUSYBOX, null, 8080, Map.of(),
                    List.of("sh", "-c", "exit 4"), List.of(), List.of(), null, null, null, 1, List.of(), List.of(),
                    false);
            bus.publish(new PatchRequested(env, UUID.randomUUID().toString(), "c0ffee",
                    new EnvironmentSpec("patch-test", List.of(broken), Map.of()), Map.of()));
            PatchFailed failed = (PatchFailed) bus.await(PatchFailed.class, env).data();
            assertEquals("services.api", failed.task());
            assertTrue(failed.reason().contains("exited with code 4"), failed.reason());
        }
    }
}
