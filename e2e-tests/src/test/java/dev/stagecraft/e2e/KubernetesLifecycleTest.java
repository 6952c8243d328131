package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A pull request's whole life on the Kubernetes runtime: the five services as processes reach the mock API server
 * through a kubeconfig; images are really built and pushed; the environment is a namespace of labelled objects.
 */
class KubernetesLifecycleTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    private static Stack stack;
    private static String app;

    @BeforeAll
    static void start() throws Exception {
        stack = SharedStack.get();
        app = "kshop-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE,
                "kubernetes");
    }

    private static ObjectNode pullRequest(String fixture, String action, String sha) throws IOException {
        return GitHubPayloads.pullRequest(GitHubPayloads.recorded(fixture), action, 31, "kube", sha,
                stack.repositoryUrl);
    }

    private static Deployment deployment(String namespace, String name) {
        return SharedStack.kubernetesClient.apps().deployments().inNamespace(namespace).withName(name).get();
    }

    @Test
    void aPullRequestBecomesANamespaceIsPatchedOnPushAndLeavesNothingWhenClosed() throws Exception {
        KubernetesClient kube = SharedStack.kubernetesClient;
        stack.repository.branch("kube");
        String first = stack.repository.commit("kube", Map.of("CHANGELOG.md", "kube\n"), "start kube");
        assertEquals(202, stack.gateway.webhook("pull_request", pullRequest("pull_request-opened.json", "opened",
                first), Stack.SECRET).status());
        String env = null;
        for (JsonNode e : stack.gateway.environments(app)) {
            env = e.get("id").asText();
        }
        assertNotNull(env, "the pull request has an environment");
        String id = env;
        JsonNode ready = stack.gateway.awaitEnvironment(id, e -> "READY".equals(e.path("state").asText()), TIMEOUT,
                "READY");
        String namespace = "sc-" + id;
        assertEquals("http://web." + namespace + ".svc.cluster.local:8080", ready.get("endpoints").get("web").asText());
        var ns = kube.namespaces().withName(namespace).get();
        assertEquals(id, ns.getMetadata().getLabels().get(Labels.ENVIRONMENT));
        assertEquals("stagecraft", ns.getMetadata().getLabels().get(Labels.MANAGED_BY));
        String webImage = ready.get("images").get("web").asText();
        String apiImage = ready.get("images").get("api").asText();
        assertEquals(webImage, deployment(namespace, "web").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage(), "the Deployment runs the image that was built");
        Long apiGeneration = deployment(namespace, "api").getMetadata().getGeneration();

        String second = stack.repository.commit("kube", Map.of("web/index.html", "web v3 " + stack.nonce + "\n"),
                "web for kube");
        assertEquals(202, stack.gateway.webhook("pull_request", pullRequest("pull_request-synchronize.json",
                "synchronize", second), Stack.SECRET).status());
        JsonNode patched = stack.gateway.awaitEnvironment(id, e -> "READY".equals(e.path("state").asText())
                && second.equals(e.path("deployedCommit").asText()), TIMEOUT, "patched");
        String newWeb = patched.get("images").get("web").asText();
        assertTrue(!newWeb.equals(webImage), "web was rebuilt");
        assertEquals(apiImage, patched.get("images").get("api").asText(), "api was not rebuilt");
        assertEquals(newWeb, deployment(namespace, "web").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage(), "web rolled to the new image");
        assertEquals(apiGeneration, deployment(namespace, "api").getMetadata().getGeneration(),
                "the api Deployment was not changed (the controllers still write its status)");

        assertEquals(202, stack.gateway.webhook("pull_request", pullRequest("pull_request-closed.json", "closed",
                second), Stack.SECRET).status());
        stack.gateway.awaitEnvironment(id, e -> "DELETED".equals(e.path("state").asText()), TIMEOUT, "DELETED");
        assertNull(kube.namespaces().withName(namespace).get(), "the namespace is gone");
        assertEquals(List.of(), kube.apps().deployments().inAnyNamespace().withLabel(Labels.ENVIRONMENT, id).list()
                .getItems());
        assertEquals(List.of(), kube.secrets().inAnyNamespace().withLabel(Labels.ENVIRONMENT, id).list().getItems());
        assertEquals(List.of(), kube.services().inAnyNamespace().withLabel(Labels.ENVIRONMENT, id).list().getItems());
    }
}
