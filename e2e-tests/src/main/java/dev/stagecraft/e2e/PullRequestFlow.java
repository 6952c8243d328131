package dev.stagecraft.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/** Drives one pull request of the sample application through the gateway, the way GitHub would. */
public final class PullRequestFlow {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final GatewayClient gateway;
    private final String repositoryUrl;
    private final String application;
    private final int number;
    private final String branch;
    private String environment;
    private String head;

    public PullRequestFlow(Stack stack, String application, int number, String branch) {
        this(stack.gateway, stack.repositoryUrl, application, number, branch);
    }

    /** A pull request of the repository at {@code repositoryUrl}, sent to the gateway {@code gateway} talks to. */
    public PullRequestFlow(GatewayClient gateway, String repositoryUrl, String application, int number, String branch) {
        this.gateway = gateway;
        this.repositoryUrl = repositoryUrl;
        this.application = application;
        this.number = number;
        this.branch = branch;
    }

    /** Sends pull_request opened for the head of the branch and returns the new environment's id. */
    public String open(String headCommit) throws IOException, InterruptedException {
        return open(headCommit, UUID.randomUUID().toString());
    }

    /** As {@link #open(String)}, with the delivery id GitHub would put in {@code X-GitHub-Delivery}. */
    public String open(String headCommit, String delivery) throws IOException, InterruptedException {
        head = headCommit;
        send("opened", delivery);
        for (JsonNode env : gateway.environments(application)) {
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
        return awaitReady(TIMEOUT);
    }

    public JsonNode awaitReady(Duration timeout) throws IOException, InterruptedException {
        return gateway.awaitEnvironment(environment, e -> "READY".equals(e.path("state").asText())
                && head.equals(e.path("deployedCommit").asText()), timeout, "READY at " + head);
    }

    public JsonNode awaitDeleted() throws IOException, InterruptedException {
        return awaitDeleted(TIMEOUT);
    }

    public JsonNode awaitDeleted(Duration timeout) throws IOException, InterruptedException {
        return gateway.awaitEnvironment(environment, e -> "DELETED".equals(e.path("state").asText()), timeout,
                "DELETED");
    }

    public String environment() {
        return environment;
    }

    private void send(String action) throws IOException, InterruptedException {
        send(action, UUID.randomUUID().toString());
    }

    private void send(String action, String delivery) throws IOException, InterruptedException {
        GatewayClient.Answer answer = gateway.webhook("pull_request", GitHubPayloads.pullRequest(
                GitHubPayloads.minimalPullRequest(), action, number, branch, head, repositoryUrl), Stack.SECRET,
                delivery);
        if (answer.status() >= 300) {
            throw new IllegalStateException("pull_request " + action + " answered " + answer.status() + ": "
                    + answer.body());
        }
    }
}
