package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * Pause and resume on the Docker runtime, through the five services: a paused pull request environment keeps its
 * containers stopped and answers nothing through the router; a push meanwhile is not built; the resume brings back
 * the very containers with the commit they had, then the pushed commit is built and patched in.
 */
class PauseTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 701;

    private static Stack stack;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
    }

    private static boolean running(String env, String service) {
        InspectContainerResponse c = stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, service)).exec();
        return Boolean.TRUE.equals(c.getState().getRunning());
    }

    private static String containerId(String env, String service) {
        return stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, service)).exec().getId();
    }

    @Test
    void aPausedEnvironmentStopsTakesPushesForLaterAndResumesAsItWas() throws Exception {
        String app = "pause-" + stack.nonce;
        SampleRepository repository = stack.newRepository(app, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web v1 " + stack.nonce + "\n",
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api v1 " + stack.nonce + "\n"));
        String url = stack.repositoryUrl(app);
        stack.gateway.registerApplication(app, url, Stack.SECRET, SampleRepository.TEMPLATE, "docker");
        repository.branch("pause");
        String first = repository.commit("pause", Map.of("NOTES.md", "first\n"), "first");
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, url, app, PULL_REQUEST, "pause");
        String env = pr.open(first);
        JsonNode ready = pr.awaitReady(TIMEOUT);
        String web = ready.get("endpoints").get("web").asText();
        assertEquals("web v1 " + stack.nonce, stack.gateway.fetch(web).body().strip());
        String webContainer = containerId(env, "web");

        assertEquals(202, stack.gateway.post("/api/environments/" + env + "/pause", "").status());
        stack.gateway.awaitEnvironment(env, e -> "PAUSED".equals(e.path("state").asText()), TIMEOUT, "PAUSED");
        assertFalse(running(env, "web"), "web's container is stopped");
        assertFalse(running(env, "api"), "api's container is stopped");
        assertEquals(webContainer, containerId(env, "web"), "and kept, not removed");
        assertNotEquals(200, stack.gateway.fetch(web).status(), "the router no longer sends requests to it");
        GatewayClient.Answer again = stack.gateway.post("/api/environments/" + env + "/pause", "");
        assertEquals(202, again.status(), "pausing a paused environment changes nothing: " + again.body());

        String second = repository.commit("pause", Map.of("web/index.html", "web v2 " + stack.nonce + "\n"),
                "web v2");
        pr.push(second);
        JsonNode pushed = stack.gateway.awaitEnvironment(env, e -> second.equals(e.path("desiredCommit").asText()),
                TIMEOUT, "the push recorded");
        assertEquals("PAUSED", pushed.path("state").asText(), "a push does not wake a paused environment");
        GatewayClient.Answer setup = stack.gateway.post("/api/environments/" + env + "/setup", "");
        assertEquals(409, setup.status(), setup.body());
        assertTrue(setup.json().path("message").asText().contains("resume it"), setup.body());

        assertEquals(202, stack.gateway.post("/api/environments/" + env + "/resume", "").status());
        JsonNode patched = stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText())
                && second.equals(e.path("deployedCommit").asText()), TIMEOUT, "resumed, then patched to " + second);
        String paused = null;
        String resumed = null;
        for (JsonNode entry : patched.get("timeline")) {
            if (entry.path("type").asText().equals("dev.stagecraft.environment.paused.v1")) {
                paused = entry.path("detail").path("commit").asText();
            } else if (entry.path("type").asText().equals("dev.stagecraft.environment.resumed.v1")) {
                resumed = entry.path("detail").path("commit").asText();
            }
        }
        assertEquals(first, paused, "paused with the first commit: " + patched.get("timeline"));
        assertEquals(first, resumed, "the resume brought back the first commit, then the push was deployed");
        assertTrue(running(env, "api"), "api runs again");
        assertEquals("web v2 " + stack.nonce, stack.gateway.fetch(web).body().strip());
        assertEquals("api v1 " + stack.nonce, stack.gateway.fetch(patched.get("endpoints").get("api").asText()).body()
                .strip());

        pr.close();
        pr.awaitDeleted(TIMEOUT);
        assertEquals(0, stack.docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec().size(), "nothing of it is left");
    }
}
