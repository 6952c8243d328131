package dev.stagecraft.teardown;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.events.RuntimeInventoried;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.BaseImages;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class InventoryTest {

    @Inject
    DockerClient docker;

    @Test
    void theInventoryListsEveryEnvironmentWithALabelledContainer() {
        String env = "inv-" + UUID.randomUUID().toString().substring(0, 8);
        BaseImages.ensureBusybox(docker);
        Map<String, String> labels = Labels.forEnvironment(env);
        String container = docker.createContainerCmd(BaseImages.BUSYBOX).withCmd("true").withLabels(labels)
                .withName("stagecraft-" + env).exec().getId();
        try (TestBus bus = new TestBus()) {
            long deadline = System.currentTimeMillis() + 30_000;
            boolean listed = false;
            while (!listed && System.currentTimeMillis() < deadline) {
                for (var event : bus.all(RuntimeInventoried.class, java.time.Duration.ofSeconds(1))) {
                    listed |= ((RuntimeInventoried) event.data()).environmentIds().contains(env);
                }
            }
            assertTrue(listed, "an inventory listed " + env);
        } finally {
            docker.removeContainerCmd(container).withForce(true).exec();
        }
    }
}
