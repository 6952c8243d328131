package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;

/**
 * App imports through the five services with two repositories: a pull request of the importing application runs its
 * own service and the imported application's, built from the imported repository at the branch Release's rule picks,
 * on one network; a push to that branch of the imported repository builds and patches the environment; closing the
 * pull request leaves nothing of either.
 */
class AppImportsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 901;

    private static Stack stack;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
    }

    @Test
    void aPullRequestRunsTheImportedApplicationTooAndAPushToItsBranchPatchesIt() throws Exception {
        String backend = "imp-api-" + stack.nonce;
        SampleRepository api = stack.newRepository(backend, Map.of(
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api v1 " + stack.nonce + "\n"));
        String apiUrl = stack.repositoryUrl(backend);
        stack.gateway.registerApplication(backend, apiUrl, Stack.SECRET, "app: " + backend + "\nservices:\n"
                + SampleRepository.service("api"), "docker");

        String frontend = "imp-web-" + stack.nonce;
        SampleRepository web = stack.newRepository(frontend, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web v1 " + stack.nonce + "\n"));
        String webUrl = stack.repositoryUrl(frontend);
        String importing = "app: " + frontend + "\napp_imports:\n- name: " + backend + "\nservices:\n"
                + SampleRepository.service("web");
        // an import whose service name is the importing application's own is refused at registration, naming both
        GatewayClient.Answer clash = stack.gateway.post("/api/applications", new ObjectMapper().writeValueAsString(Map.of(
                "name", "imp-clash-" + stack.nonce, "repository", Map.of("url", webUrl, "provider", "github"),
                "webhookSecret", Stack.SECRET, "template", "app: clash\napp_imports:\n- name: " + backend
                        + "\nservices:\n" + SampleRepository.service("api"))));
        assertEquals(422, clash.status(), clash.body());
        assertTrue(clash.body().contains("service 'api' of imported application '" + backend + "' has the same name"),
                clash.body());
        stack.gateway.registerApplication(frontend, webUrl, Stack.SECRET, importing, "docker");

        web.branch("feature");
        String head = web.commit("feature", Map.of("NOTES.md", "feature\n"), "feature");
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, webUrl, frontend, PULL_REQUEST, "feature");
        String env = pr.open(head);
        JsonNode ready = pr.awaitReady(TIMEOUT);
        assertEquals("web v1 " + stack.nonce, stack.gateway.fetch(ready.get("endpoints").get("web").asText()).body()
                .strip());
        String apiEndpoint = ready.get("endpoints").get("api").asText();
        assertEquals("api v1 " + stack.nonce, stack.gateway.fetch(apiEndpoint).body().strip(),
                "the imported service runs in the environment");
        JsonNode imported = ready.get("imports").get(0);
        assertEquals(backend, imported.path("application").asText());
        assertEquals("main", imported.path("branch").asText(), "no branch 'feature' in the imported repository:"
                + " its default branch");
        assertEquals(api.resolve("main"), imported.path("commit").asText());

        // a push to the imported repository's branch: the environment is built again and the api patched
        String second = api.commit("main", Map.of("api/index.html", "api v2 " + stack.nonce + "\n"), "api v2");
        GatewayClient.Answer pushed = stack.gateway.webhook("push", GitHubPayloads.push("main", second, apiUrl),
                Stack.SECRET);
        assertEquals(202, pushed.status(), pushed.body());
        stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText())
                && second.equals(e.path("imports").path(0).path("commit").asText()), TIMEOUT,
                "patched with the imported application at " + second);
        assertEquals("api v2 " + stack.nonce, stack.gateway.fetch(apiEndpoint).body().strip());
        assertEquals(head, stack.gateway.environment(env).path("deployedCommit").asText(),
                "its own commit is still the pull request's");

        pr.close();
        pr.awaitDeleted(TIMEOUT);
        assertEquals(0, stack.docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec().size(), "nothing of either is left");
    }
}
