package dev.stagecraft.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * The walking skeleton, black box: signed GitHub deliveries (recorded payloads, re-pointed at a repository served
 * here) drive the five services, running as separate processes against real Kafka, PostgreSQL, Docker and git.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullRequestLifecycleTest {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

    private static Stack stack;
    private static String app;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
        app = "shop-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
    }

    private static ObjectNode pullRequest(String fixture, String action, int number, String branch, String sha)
            throws IOException {
        return GitHubPayloads.pullRequest(GitHubPayloads.recorded(fixture), action, number, branch, sha,
                stack.repositoryUrl);
    }

    private static String environmentOf(int pullRequest) throws Exception {
        for (JsonNode env : stack.gateway.environments(app)) {
            if (env.path("pullRequest").asInt() == pullRequest) {
                return env.get("id").asText();
            }
        }
        throw new AssertionError("no environment for pull request #" + pullRequest);
    }

    @Test
    @Order(1)
    void aBadSignatureIsRejectedAndChangesNothing() throws Exception {
        String sha = stack.repository.commit("main", Map.of("NOTES.md", "unsigned\n"), "notes");
        GatewayClient.Answer answer = stack.gateway.webhook("pull_request",
                pullRequest("pull_request-opened.json", "opened", 99, "main", sha), "not-the-secret");
        assertEquals(401, answer.status(), answer.body());
        assertEquals(0, stack.gateway.environments(app).size(), "no environment was created");
    }

    @Test
    @Order(2)
    void theSameDeliveryTwiceStartsOneWorkflow() throws Exception {
        stack.repository.branch("twice");
        String sha = stack.repository.commit("twice", Map.of("NOTES.md", "twice\n"), "twice");
        ObjectNode opened = pullRequest("pull_request-opened.json", "opened", 8, "twice", sha);
        String delivery = UUID.randomUUID().toString();
        assertEquals(202, stack.gateway.webhook("pull_request", opened, Stack.SECRET, delivery).status());
        GatewayClient.Answer again = stack.gateway.webhook("pull_request", opened, Stack.SECRET, delivery);
        assertEquals(200, again.status());
        assertEquals("duplicate", again.json().get("outcome").asText());

        String env = environmentOf(8);
        JsonNode ready = stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText()), READY_TIMEOUT,
                "READY");
        long builds = 0;
        for (JsonNode wf : ready.get("workflows")) {
            builds += "BUILD".equals(wf.get("stage").asText()) ? 1 : 0;
        }
        assertEquals(1, builds, "one delivery, one build: " + ready.get("workflows"));
        closeAndVerifyNothingLeft(8, "twice", sha, env);
    }

    @Test
    @Order(3)
    void aPullRequestBecomesAnEnvironmentIsPatchedOnPushAndLeavesNothingWhenClosed() throws Exception {
        stack.repository.branch("feature");
        String first = stack.repository.commit("feature", Map.of("CHANGELOG.md", "feature started\n"), "start feature");
        assertEquals(202, stack.gateway.webhook("pull_request",
                pullRequest("pull_request-opened.json", "opened", 2, "feature", first), Stack.SECRET).status());
        String env = environmentOf(2);

        JsonNode ready = stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText()),
                READY_TIMEOUT, "READY");
        assertEquals(first, ready.get("deployedCommit").asText());
        String web = ready.get("endpoints").get("web").asText();
        String api = ready.get("endpoints").get("api").asText();
        assertEquals("web v1 " + stack.nonce, stack.gateway.fetch(web).body().strip());
        assertEquals("api v1 " + stack.nonce, stack.gateway.fetch(api).body().strip());
        InspectContainerResponse apiBefore = stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, "api"))
                .exec();
        String apiImage = ready.get("images").get("api").asText();

        String second = stack.repository.commit("feature", Map.of("web/index.html", "web v2 " + stack.nonce + "\n"),
                "new web page");
        assertEquals(202, stack.gateway.webhook("pull_request",
                pullRequest("pull_request-synchronize.json", "synchronize", 2, "feature", second), Stack.SECRET).status());
        JsonNode patched = stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText())
                && second.equals(e.path("deployedCommit").asText()), READY_TIMEOUT, "patched to " + second);
        assertEquals("web v2 " + stack.nonce, stack.gateway.fetch(web).body().strip());
        assertEquals("api v1 " + stack.nonce, stack.gateway.fetch(api).body().strip());
        assertEquals(apiImage, patched.get("images").get("api").asText(), "api was not rebuilt");
        JsonNode lastBuild = lastOfType(patched, "dev.stagecraft.build.completed.v1");
        for (JsonNode image : lastBuild.get("detail").get("images")) {
            assertEquals("web".equals(image.get("service").asText()), image.get("built").asBoolean(),
                    "only web was built for the push: " + lastBuild);
        }
        JsonNode patch = lastOfType(patched, "dev.stagecraft.patch.succeeded.v1");
        assertEquals(List.of("web"), List.of(new ObjectMapper().treeToValue(patch.get("detail").get("replaced"),
                String[].class)));
        InspectContainerResponse apiAfter = stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, "api"))
                .exec();
        assertEquals(apiBefore.getId(), apiAfter.getId(), "api container was not replaced");
        assertEquals(apiBefore.getState().getStartedAt(), apiAfter.getState().getStartedAt(), "api was not restarted");

        closeAndVerifyNothingLeft(2, "feature", second, env);
    }

    /**
     * After the workflows above, every service shows its families on {@code /q/metrics}, with the labels operators
     * select on (the alert rules and the dashboard in deploy/kubernetes use them).
     */
    @Test
    @Order(4)
    void everyServiceShowsItsMetricFamilies() throws Exception {
        Map<String, String> github = Map.of("provider", "github");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            String gateway = metrics("gateway");
            assertAtLeast(1, gateway, "stagecraft_webhook_deliveries_total", with(github, "outcome", "accepted"));
            assertAtLeast(1, gateway, "stagecraft_webhook_deliveries_total", with(github, "outcome", "bad_signature"));
            assertAtLeast(1, gateway, "stagecraft_webhook_deliveries_total", with(github, "outcome", "duplicate"));
            assertAtLeast(1, gateway, "stagecraft_environments", Map.of("state", "deleted"));
            assertAtLeast(0, gateway, "stagecraft_consumer_lag_records",
                    Map.of("group", "stagecraft-gateway", "topic", "stagecraft.lifecycle"));
            assertAtLeast(0, gateway, "stagecraft_outbox_oldest_pending_age_seconds", Map.of());
            assertAtLeast(0, gateway, "stagecraft_outbox_pending_messages", Map.of());
            for (String stage : List.of("build", "setup", "patch", "teardown")) {
                String service = metrics(stage);
                Map<String, String> succeeded = Map.of("stage", stage, "outcome", "succeeded");
                assertAtLeast(1, service, "stagecraft_workflow_duration_seconds_count", succeeded);
                assertAtLeast(1, service, "stagecraft_workflow_duration_seconds_bucket", with(succeeded, "le", "+Inf"));
                // the series the failure-rate alert selects on is there from the start, before any failure
                assertAtLeast(0, service, "stagecraft_workflow_duration_seconds_count",
                        Map.of("stage", stage, "outcome", "failed"));
                assertAtLeast(0, service, "stagecraft_stage_runs_in_flight", Map.of());
                assertAtLeast(0, service, "stagecraft_consumer_lag_records", Map.of("group", "stagecraft-" + stage));
            }
            String build = metrics("build");
            assertAtLeast(1, build, "stagecraft_build_images_total", Map.of("result", "built"));
            assertAtLeast(1, build, "stagecraft_build_images_total", Map.of("result", "reused")); // api, on the push
            assertAtLeast(1, metrics("teardown"), "stagecraft_teardown_leak_checks_total",
                    Map.of("runtime", "docker", "result", "clean"));
            assertAtLeast(0, metrics("teardown"), "stagecraft_teardown_leak_checks_total",
                    Map.of("runtime", "docker", "result", "leftovers"));
            assertAtLeast(0, gateway, "stagecraft_inventory_leaks_total", Map.of("runtime", "docker"));
            assertAtLeast(0, metrics("setup"), "stagecraft_router_routes", Map.of());
        });

        // every family the alert rules and the dashboard select on is one some service shows
        StringBuilder all = new StringBuilder();
        for (String service : StagecraftServices.SERVICES) {
            all.append(metrics(service));
        }
        Set<String> shown = all.toString().lines().filter(l -> l.startsWith("stagecraft_"))
                .map(l -> l.split("[{ ]")[0]).collect(Collectors.toSet());
        Matcher used = Pattern.compile("stagecraft_[a-z_]+").matcher(
                Files.readString(Path.of("../deploy/kubernetes/monitoring/prometheus.yaml"))
                        + Files.readString(Path.of("../deploy/kubernetes/monitoring/grafana-dashboard.json")));
        Set<String> missing = new TreeSet<>();
        while (used.find()) {
            if (!shown.contains(used.group())) {
                missing.add(used.group());
            }
        }
        assertEquals(Set.of(), missing, "families the rules or the dashboard name that no service shows");
    }

    private static String metrics(String service) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.services.url(service) + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), service + " /q/metrics");
        return answer.body();
    }

    private static Map<String, String> with(Map<String, String> labels, String name, String value) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(name, value);
        return all;
    }

    /** The sum of the samples of {@code family} that carry all of {@code labels} is a number of at least {@code min}. */
    private static void assertAtLeast(double min, String metrics, String family, Map<String, String> labels) {
        List<Double> samples = metrics.lines()
                .filter(l -> l.startsWith(family + "{") || l.startsWith(family + " "))
                .filter(l -> labels.entrySet().stream().allMatch(e -> l.contains(e.getKey() + "=\"" + e.getValue()
                        + "\"")))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).toList();
        assertFalse(samples.isEmpty(), "no " + family + " with " + labels + " in\n" + metrics);
        double sum = samples.stream().mapToDouble(Double::doubleValue).sum();
        assertTrue(sum >= min, family + labels + " is " + sum + ", expected at least " + min);
    }

    private static JsonNode lastOfType(JsonNode env, String type) {
        JsonNode last = null;
        for (JsonNode entry : env.get("timeline")) {
            if (type.equals(entry.get("type").asText()) && entry.get("applied").asBoolean()) {
                last = entry;
            }
        }
        assertTrue(last != null, "no " + type + " in the timeline");
        return last;
    }

    private static void closeAndVerifyNothingLeft(int number, String branch, String sha, String env) throws Exception {
        List<String> images = new ArrayList<>();
        for (JsonNode wf : stack.gateway.environment(env).get("workflows")) {
            wf.path("images").forEach(i -> images.add(i.asText()));
        }
        assertFalse(images.isEmpty());
        assertEquals(202, stack.gateway.webhook("pull_request",
                pullRequest("pull_request-closed.json", "closed", number, branch, sha), Stack.SECRET).status());
        stack.gateway.awaitEnvironment(env, e -> "DELETED".equals(e.path("state").asText()), READY_TIMEOUT, "DELETED");
        assertEquals(List.of(), stack.docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec(), "no container of the environment is left");
        for (String image : images) {
            assertThrows(NotFoundException.class, () -> stack.docker.inspectImageCmd(image).exec(),
                    "image " + image + " was removed");
        }
    }
}
