package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.SampleRepository;

/**
 * Users reach environments through the router: each service of each environment at a host name of its own, never
 * another environment's service through it, and a removed environment's host name answers 404 with a page saying so.
 */
class RouterTest {

    @Test
    void eachEnvironmentIsReachedAtItsOwnHostNameAndARemovedOneAnswers404() throws Exception {
        Stack stack = SharedStack.get();
        String app = "routed-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        stack.repository.branch("left");
        stack.repository.branch("right");
        String left = stack.repository.commit("left", Map.of("web/index.html", "left " + stack.nonce + "\n"), "left");
        String right = stack.repository.commit("right", Map.of("web/index.html", "right " + stack.nonce + "\n"), "right");
        PullRequestFlow leftPr = new PullRequestFlow(stack, app, 601, "left");
        PullRequestFlow rightPr = new PullRequestFlow(stack, app, 602, "right");
        leftPr.open(left);
        rightPr.open(right);
        JsonNode leftEnv = leftPr.awaitReady();
        JsonNode rightEnv = rightPr.awaitReady();
        String leftWeb = leftEnv.get("endpoints").get("web").asText();
        String rightWeb = rightEnv.get("endpoints").get("web").asText();

        URI uri = URI.create(leftWeb);
        assertEquals("web-" + leftPr.environment() + ".localhost", uri.getHost(), leftWeb);
        assertEquals(System.getenv("STAGECRAFT_ROUTER_PORT"), Integer.toString(uri.getPort()), "the router's port");
        assertEquals("left " + stack.nonce, stack.gateway.fetch(leftWeb).body().strip());
        assertEquals("right " + stack.nonce, stack.gateway.fetch(rightWeb).body().strip());
        assertTrue(stack.gateway.fetch(leftEnv.get("endpoints").get("api").asText()).body().startsWith("api v1"));

        rightPr.close();
        rightPr.awaitDeleted();
        GatewayClient.Answer gone = stack.gateway.fetch(rightWeb);
        assertEquals(404, gone.status(), gone.body());
        assertTrue(gone.body().contains("No environment answers at web-" + rightPr.environment()), gone.body());
        assertEquals("left " + stack.nonce, stack.gateway.fetch(leftWeb).body().strip(), "the other one still serves");
        leftPr.close();
        leftPr.awaitDeleted();
    }
}
