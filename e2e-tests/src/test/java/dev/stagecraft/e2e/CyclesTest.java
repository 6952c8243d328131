package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.infra.ImageRegistry;
import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;

/**
 * 100 environments created and torn down, ten at a time: afterwards nothing of them is left: no container, network
 * or image on the engine, no tag in the registry once the registry clean-up ran, no unfinished stage run and no
 * unsent outbox row in any service.
 */
class CyclesTest {

    private static final int CYCLES = 100;
    private static final int LANES = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aHundredCreateAndTeardownCyclesLeaveNothing() throws Exception {
        Stack stack = SharedStack.get();
        String app = "cycles-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        for (int lane = 0; lane < LANES; lane++) {
            stack.repository.branch("cycle-" + lane);
        }
        long started = System.nanoTime();
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int lane = 0; lane < LANES; lane++) {
            String branch = "cycle-" + lane;
            results.add(lanes.submit(() -> {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < CYCLES / LANES; i++) {
                    GatewayClient.Answer created = stack.gateway.post("/api/environments", JSON.writeValueAsString(
                            Map.of("application", app, "branch", branch)));
                    assertEquals(201, created.status(), created.body());
                    String id = created.json().get("id").asText();
                    ids.add(id);
                    stack.gateway.awaitEnvironment(id, e -> "READY".equals(e.path("state").asText()),
                            Duration.ofMinutes(3), "READY");
                    assertEquals(202, stack.gateway.delete("/api/environments/" + id).status());
                    stack.gateway.awaitEnvironment(id, e -> "DELETED".equals(e.path("state").asText()),
                            Duration.ofMinutes(3), "DELETED");
                }
                return ids;
            }));
        }
        List<String> environments = new ArrayList<>();
        for (Future<List<String>> lane : results) {
            environments.addAll(lane.get());
        }
        lanes.shutdown();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("cycles: %d environments created and deleted in %.1f s (%d at a time)%n", environments.size(),
                seconds, LANES);
        assertEquals(CYCLES, environments.size());

        Map<String, String> ofApp = Map.of(Labels.APPLICATION, app);
        assertEquals(List.of(), stack.docker.listContainersCmd().withShowAll(true).withLabelFilter(ofApp).exec(),
                "containers");
        assertEquals(List.of(), stack.docker.listNetworksCmd().withFilter("label",
                List.of(Labels.APPLICATION + "=" + app)).exec(), "networks");
        assertEquals(List.of(), stack.docker.listImagesCmd().exec().stream()
                .filter(i -> i.getRepoTags() != null && List.of(i.getRepoTags()).stream()
                        .anyMatch(t -> t.contains("/" + app + "/")))
                .toList(), "images of the application on the engine");

        String registry = ImageRegistry.address();
        GatewayClient.Answer cleanup = stack.gateway.post("/api/admin/registry/cleanup", "{}");
        assertEquals(200, cleanup.status(), cleanup.body());
        for (String service : List.of("web", "api")) {
            HttpResponse<String> tags = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://" + registry + "/v2/stagecraft/" + app + "/" + service + "/tags/list")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode list = tags.statusCode() == 404 ? JSON.createObjectNode() : JSON.readTree(tags.body());
            assertTrue(list.path("tags").isNull() || list.path("tags").isMissingNode() || list.path("tags").isEmpty(),
                    "registry tags of " + service + " left: " + tags.body() + " (clean-up: " + cleanup.body() + ")");
        }

        Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertEquals("", leftoverRows(stack), "unfinished stage runs or unsent outbox rows"));
    }

    /** Unfinished stage runs of the application's environments and outbox rows still waiting, per schema. */
    private static String leftoverRows(Stack stack) throws Exception {
        StringBuilder left = new StringBuilder();
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), null)) {
            for (String schema : List.of("build", "setup", "patch", "teardown")) {
                try (ResultSet rs = db.createStatement().executeQuery("select count(*) from " + schema
                        + ".stage_run where finished_at is null and environment_id like 'cycles-" + stack.nonce + "%'")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        left.append(schema).append(": ").append(rs.getLong(1)).append(" unfinished runs; ");
                    }
                }
            }
            for (String schema : List.of("gateway", "build", "setup", "patch", "teardown")) {
                try (ResultSet rs = db.createStatement().executeQuery("select count(*) from " + schema
                        + ".outbox_message")) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        left.append(schema).append(": ").append(rs.getLong(1)).append(" outbox rows; ");
                    }
                }
            }
        }
        return left.toString();
    }
}
