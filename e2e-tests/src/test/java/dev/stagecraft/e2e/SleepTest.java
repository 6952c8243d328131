package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * Sleep when idle on the Docker runtime, through the five services, the router and its access log: an environment
 * that gets requests stays awake past its idle timeout; once it gets none it sleeps (its containers stopped, its host
 * names kept); the first request to it wakes it and is answered with the service's own content.
 */
class SleepTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 801;
    private static final Duration IDLE_AFTER = Duration.ofSeconds(6);

    private static Stack stack;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
    }

    private static boolean running(String env, String service) {
        return Boolean.TRUE.equals(stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, service)).exec()
                .getState().getRunning());
    }

    private static boolean hasAction(JsonNode environment, String action) {
        for (JsonNode entry : environment.get("timeline")) {
            if (action.equals(entry.path("detail").path("action").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void anIdleEnvironmentSleepsAndItsFirstRequestWakesItAndGetsItsContent() throws Exception {
        String app = "sleep-" + stack.nonce;
        SampleRepository repository = stack.newRepository(app, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web v1 " + stack.nonce + "\n",
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api v1 " + stack.nonce + "\n"));
        String url = stack.repositoryUrl(app);
        String appId = stack.gateway.registerApplication(app, url, Stack.SECRET, SampleRepository.TEMPLATE, "docker");
        GatewayClient.Answer policy = stack.gateway.put("/api/applications/" + appId + "/sleep",
                "{\"idleAfter\": \"" + IDLE_AFTER + "\"}");
        assertEquals(200, policy.status(), policy.body());
        repository.branch("sleep");
        String first = repository.commit("sleep", Map.of("NOTES.md", "first\n"), "first");
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, url, app, PULL_REQUEST, "sleep");
        String env = pr.open(first);
        JsonNode ready = pr.awaitReady(TIMEOUT);
        String web = ready.get("endpoints").get("web").asText();

        // used: a request every second for twice the idle timeout keeps it awake
        long until = System.nanoTime() + IDLE_AFTER.multipliedBy(2).toNanos();
        while (System.nanoTime() < until) {
            assertEquals("web v1 " + stack.nonce, stack.gateway.fetch(web).body().strip());
            Thread.sleep(1000);
        }
        JsonNode used = stack.gateway.environment(env);
        assertEquals("READY", used.path("state").asText(), "requests count as activity");
        assertFalse(hasAction(used, "sleep"), used.get("timeline").toString());

        // idle: asleep, its containers stopped and kept
        JsonNode asleep = stack.gateway.awaitEnvironment(env, e -> "PAUSED".equals(e.path("state").asText()),
                TIMEOUT, "asleep");
        assertEquals("idle", asleep.path("pausedBy").asText());
        assertFalse(running(env, "web"), "web's container is stopped");
        assertFalse(running(env, "api"), "api's container is stopped");

        // the first request wakes it, waits for it and gets the page itself
        long start = System.nanoTime();
        GatewayClient.Answer woken = stack.gateway.fetch(web);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(200, woken.status(), woken.body());
        assertEquals("web v1 " + stack.nonce, woken.body().strip(), "the first request after the sleep");
        JsonNode awake = stack.gateway.environment(env);
        assertEquals("READY", awake.path("state").asText());
        assertEquals(first, awake.path("deployedCommit").asText(), "woken with the commit it had");
        assertTrue(hasAction(awake, "wake"), awake.get("timeline").toString());
        assertTrue(running(env, "web") && running(env, "api"), "both services run again");
        System.out.println("sleep: the first request after the sleep was answered in " + took.toMillis() + " ms");

        // no more sleeping, then the pull request closes: nothing of it is left, routes included
        assertEquals(200, stack.gateway.delete("/api/applications/" + appId + "/sleep").status());
        stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText())
                && e.path("activeWorkflow").isNull(), TIMEOUT, "READY with nothing running");
        pr.close();
        pr.awaitDeleted(TIMEOUT);
        assertEquals(0, stack.docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec().size(), "nothing of it is left");
        assertTrue(stack.gateway.fetch(web).status() == 404, "its host name answers 404 again");
    }
}
