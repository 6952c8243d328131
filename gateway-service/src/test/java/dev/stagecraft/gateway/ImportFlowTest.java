package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.SampleRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A push to a branch an environment imports an application from, through the webhook and Kafka: while the environment
 * is busy nothing is built, and once it is READY it is built again; when its application's builds are at their limit,
 * that build waits for a slot like any other and starts when one frees.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ImportFlowTest {

    private static final String C1 = "4".repeat(40), IMPORTED = "5".repeat(40);

    private static List<ImageRef> images() {
        return List.of(new ImageRef("web", "img/web:1", true), new ImageRef("api", "img/api:1", true));
    }

    @Test
    void anImportedBranchMovingWaitsForABusyEnvironmentAndThenForABuildSlot() {
        String backendRepo = Apps.uniqueRepo();
        String backend = Apps.register(backendRepo, "app: backend\nservices:\n" + SampleRepository.service("api"));
        String frontRepo = Apps.uniqueRepo();
        String appId = Apps.registered(frontRepo, "app: front\napp_imports:\n- name: " + backend + "\nservices:\n"
                + SampleRepository.service("web"), Map.of()).getString("id");
        QuotaFlowTest.limits(appId, Map.of("maxConcurrentBuilds", 1));
        List<BuildCompleted.ImportedCommit> imports = List.of(new BuildCompleted.ImportedCommit(backend, "master",
                IMPORTED));
        try (TestBus bus = new TestBus()) {
            String env = QuotaFlowTest.open(frontRepo, 41, C1);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildCompleted(env, build.workflowId(), C1, images(), Map.of(), imports));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            Api.awaitEnvironment(env, e -> "master".equals(e.getString("imports[0].branch")));

            // the imported application's master moves while the environment sets up: nothing is built yet
            ObjectNode push = Hooks.forRepository("push-branch-commits.json", backendRepo);
            Hooks.send("push", push).statusCode(202);
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "a busy environment is not built");

            // another pull request of the application takes its one build slot
            String other = QuotaFlowTest.open(frontRepo, 42, C1);
            BuildRequested otherBuild = (BuildRequested) bus.await(BuildRequested.class, other).data();

            // READY: the stale import asks for a build, which waits for the slot without leaving READY
            bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:1")));
            Api.awaitEnvironment(env, e -> "READY".equals(e.getString("state"))
                    && Integer.valueOf(1).equals(e.get("buildQueuePosition")));
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "no build past the limit");

            // the other build ends: the environment's own commit is built again, taking the import as it is now
            bus.publish(new BuildCompleted(other, otherBuild.workflowId(), C1, images(), Map.of(), imports));
            BuildRequested rebuild = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals(C1, rebuild.commit(), "its own commit, unchanged");
            given().get("/api/environments/" + env).then().body("state", is("BUILDING"))
                    .body("buildQueuePosition", org.hamcrest.Matchers.nullValue());
        }
    }
}
