package dev.stagecraft.e2e;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/** Drives one pull request of the sample application through the gateway, the way GitHub would. */
public final class PullRequestFlow {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Stack stack;
    private final String application;
    private final int number;
    private final String branch;
    private String environment;
    private String head;

    public PullRequestFlow(Stack stack, String application, int number, String branch) {
        this.stack = stack;
        this.application = application;
        this.number = number;
        this.branch = branch;
    }

    /** Sends pull_request opened for the head of the branch and returns the new environment's id. */
    public String open(String headCommit) throws IOException, InterruptedException {
        head = headCommit;
        send("opened");
        for (JsonNode env : stack.gateway.environments(application)) {
            if (env.path("pullRequest").asInt() == number && !"DELETED".equals(env.path("state").asText())) {
                environment = env.get("id").asText();
                return environment;
            }
        }
        throw new IllegalStateException("the gateway created no environment for pull request #" + number);
    }

    /** Sends pull_request synchronize for a new head commit. */
    public void push(String headCommit) throws IOException, InterruptedException {
        head = headCommit;
        send("synchronize");
    }

    public void close() throws IOException, InterruptedException {
        send("closed");
    }

    /** Waits until the environment is READY with the current head deployed. */
    public JsonNode awaitReady() throws IOException, InterruptedException {
        return stack.gateway.awaitEnvironment(environment, e -> "READY".equals(e.path("state").asText())
                && head.equals(e.path("deployedCommit").asText()), TIMEOUT, "READY at " + head);
    }

    public JsonNode awaitDeleted() throws IOException, InterruptedException {
        return stack.gateway.awaitEnvironment(environment, e -> "DELETED".equals(e.path("state").asText()), TIMEOUT,
                "DELETED");
    }

    public String environment() {
        return environment;
    }

    private void send(String action) throws IOException, InterruptedException {
        GatewayClient.Answer answer = stack.gateway.webhook("pull_request", GitHubPayloads.pullRequest(
                GitHubPayloads.minimalPullRequest(), action, number, branch, head, stack.repositoryUrl), Stack.SECRET);
        if (answer.status() >= 300) {
            throw new IllegalStateException("pull_request " + action + " answered " + answer.status() + ": "
                    + answer.body());
        }
    }
}
