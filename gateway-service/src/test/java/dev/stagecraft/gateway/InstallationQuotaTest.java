package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.EnvironmentQueued;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.LocalInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The installation's limits, across applications that set none of their own: a build of one application waits for a
 * build of another, and a pull request past the installation's running limit is queued and starts when another
 * application's environment closes.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(InstallationQuotaTest.Limited.class)
class InstallationQuotaTest {

    private static final String C1 = "a".repeat(40);

    /**
     * Limits just above what the shared database already runs (environments other test classes left behind, which
     * count for the installation too): room for two more running environments and one more build. A test resource,
     * so that it reaches the same shared infrastructure as {@link InfraTestResource}.
     */
    public static class Limited implements QuarkusTestResourceLifecycleManager {

        @Override
        public void stop() {
        }

        @Override
        public Map<String, String> start() {
            return Map.of("stagecraft.quotas.max-running-environments", String.valueOf(count("select count(*) from"
                    + " gateway.environment where state not in ('QUEUED', 'PAUSING', 'PAUSED', 'TEARING_DOWN',"
                    + " 'DELETED')") + 2), "stagecraft.quotas.max-concurrent-builds", String.valueOf(count(
                            "select count(*) from gateway.environment e join gateway.workflow w on w.id ="
                                    + " e.active_workflow_id where w.stage = 'BUILD'") + 1));
        }

        private static long count(String sql) {
            LocalInfra infra = LocalInfra.shared();
            try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.jdbcUser(), "");
                    ResultSet rs = c.createStatement().executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            } catch (SQLException e) {
                return 0; // the first gateway test of this JVM: the schema is not there yet, nothing runs
            }
        }
    }

    private static String open(String repo, int number) {
        ObjectNode pr = Hooks.pullRequest("pull_request-opened.json", repo, C1);
        pr.put("number", number);
        ((ObjectNode) pr.get("pull_request")).put("number", number);
        ((ObjectNode) pr.get("pull_request").get("head")).put("ref", "feature-" + number);
        return Hooks.send("pull_request", pr).statusCode(202).extract().path("environment");
    }

    private static void built(TestBus bus, String env, BuildRequested build) {
        bus.publish(new BuildCompleted(env, build.workflowId(), C1, List.of(new ImageRef("web", "img/web:1", true)),
                Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:1")));
        Api.awaitState(env, "READY");
    }

    @Test
    void theInstallationsLimitsHoldAcrossApplications() {
        String shopRepo = Apps.uniqueRepo();
        String blogRepo = Apps.uniqueRepo();
        Apps.register(shopRepo);
        Apps.register(blogRepo);
        try (TestBus bus = new TestBus()) {
            String shop = open(shopRepo, 1);
            BuildRequested shopBuild = (BuildRequested) bus.await(BuildRequested.class, shop).data();
            String blog = open(blogRepo, 1);
            given().get("/api/environments/" + blog).then().body("state", is("PENDING"))
                    .body("buildQueuePosition", notNullValue());
            Api.awaitMarker(bus, blog);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, blog), "the other application's build waits");

            built(bus, shop, shopBuild);
            built(bus, blog, (BuildRequested) bus.await(BuildRequested.class, blog).data());

            String second = open(shopRepo, 2);
            Api.awaitState(second, "QUEUED");
            EnvironmentQueued queued = (EnvironmentQueued) bus.await(EnvironmentQueued.class, second).data();
            assertTrue(queued.reason().contains("STAGECRAFT_MAX_RUNNING_ENVIRONMENTS"), queued.reason());

            Hooks.send("pull_request", Hooks.pullRequest("pull_request-closed.json", blogRepo, C1).put("number", 1))
                    .statusCode(202);
            Api.awaitState(blog, "TEARING_DOWN");
            assertEquals(C1, ((BuildRequested) bus.await(BuildRequested.class, second).data()).commit(),
                    "the slot the other application freed goes to the queued one");
        }
    }
}
