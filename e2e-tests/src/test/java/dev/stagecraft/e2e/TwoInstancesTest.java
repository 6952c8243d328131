package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.runtime.Labels;

/**
 * Two instances of every stage service on the same topics and database, as in a scaled-out or rolling deployment:
 * no stage run is executed twice, and when one instance is killed with SIGKILL in the middle of the work, the other
 * takes its runs over once their leases expire and its partitions once its Kafka session times out.
 */
class TwoInstancesTest {

    private static final List<String> STAGES = List.of("build", "setup", "patch", "teardown");
    private static final int PULL_REQUESTS = 10;

    private static Stack stack;
    private static String killed;

    @BeforeAll
    static void secondInstances() throws Exception {
        stack = SharedStack.get();
        for (String stage : STAGES) {
            stack.services.startInstance(stage, stage + "-2");
        }
    }

    @AfterAll
    static void oneInstanceEach() throws Exception {
        for (String stage : STAGES) {
            if (stack.services.alive(stage + "-2")) {
                stack.services.stop(stage + "-2"); // SIGTERM: gives its leases back
            }
            if (!stack.services.alive(stage)) {
                stack.services.restart(stage);
            }
        }
    }

    /** The setup instance that holds the lease of a running setup, if any. */
    private static String runningSetupOwner() throws Exception {
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), null);
                ResultSet rs = db.createStatement().executeQuery(
                        "select owner from setup.stage_run where status = 'RUNNING' and finished_at is null limit 1")) {
            if (!rs.next()) {
                return null;
            }
            String owner = rs.getString(1);
            return owner.equals(stack.services.instanceId("setup")) ? "setup"
                    : owner.equals(stack.services.instanceId("setup-2")) ? "setup-2" : null;
        }
    }

    @Test
    void noRunTwiceAndAKilledInstancesRunsAreTakenOver() throws Exception {
        String app = "twice-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        List<PullRequestFlow> flows = new ArrayList<>();
        for (int i = 0; i < PULL_REQUESTS; i++) {
            String branch = "two-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            stack.repository.branch(branch);
            String head = stack.repository.commit(branch, Map.of("web/index.html", "web " + branch + "\n",
                    "api/index.html", "api " + branch + "\n"), "pull request " + i);
            PullRequestFlow flow = new PullRequestFlow(stack, app, 700 + i, branch);
            flow.open(head);
            flows.add(flow);
        }
        // kill -9 the setup instance that is working on a setup, and do not bring it back
        String victim = null;
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (victim == null && System.nanoTime() < until) {
            victim = runningSetupOwner();
            Thread.sleep(victim == null ? 50 : 0);
        }
        assertTrue(victim != null, "no setup ran");
        stack.services.kill(victim);
        killed = victim;

        for (PullRequestFlow flow : flows) {
            flow.awaitReady();
        }
        int takenOver = 0;
        for (PullRequestFlow flow : flows) {
            JsonNode env = stack.gateway.environment(flow.environment());
            assertEquals(1, count(env, "dev.stagecraft.build.started.v1"), "builds of " + flow.environment());
            long setups = count(env, "dev.stagecraft.setup.started.v1");
            assertTrue(setups == 1 || setups == 2, setups + " setups of " + flow.environment());
            takenOver += setups == 2 ? 1 : 0;
            List<Container> containers = stack.docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Labels.ENVIRONMENT, flow.environment())).exec();
            assertEquals(2, containers.size(), "one container per service in " + flow.environment());
        }
        System.out.printf("two instances: %d pull requests READY, %d setups taken over from the killed instance %s%n",
                PULL_REQUESTS, takenOver, killed);
        assertTrue(takenOver >= 1, "the setup the killed instance was running was taken over and run again");
        for (PullRequestFlow flow : flows) {
            flow.close();
        }
        for (PullRequestFlow flow : flows) {
            flow.awaitDeleted();
            JsonNode env = stack.gateway.environment(flow.environment());
            assertEquals(1, count(env, "dev.stagecraft.teardown.started.v1"), "teardowns of " + flow.environment());
            assertEquals(List.of(), stack.docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Labels.ENVIRONMENT, flow.environment())).exec());
        }
    }

    private static long count(JsonNode environment, String type) {
        long n = 0;
        for (JsonNode entry : environment.path("timeline")) {
            if (type.equals(entry.path("type").asText())) {
                n++;
            }
        }
        return n;
    }
}
