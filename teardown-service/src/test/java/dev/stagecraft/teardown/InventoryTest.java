package dev.stagecraft.teardown;

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
            bus.await(RuntimeInventoried.class, e -> ((RuntimeInventoried) e.data()).environmentIds().contains(env));
        } finally {
            docker.removeContainerCmd(container).withForce(true).exec();
        }
    }
}
