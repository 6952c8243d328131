package dev.stagecraft.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.LocalInfra;
import dev.stagecraft.infra.PostgresServer.Durability;
import dev.stagecraft.infra.SampleRepository;

/**
 * The local demo: starts Kafka, PostgreSQL and the five services, registers the sample application and drives one
 * pull request through opened, READY (its URLs answer), a push (patched), and closed (deleted).
 * With {@code --keep} it stops after the push and keeps everything up until interrupted.
 */
public final class DemoMain {

    private DemoMain() {
    }

    /** Set once a Ctrl-C asked the JVM to stop: the demo then winds down inside the shutdown, in order. */
    private static volatile boolean interrupted;
    /** Counted down when everything is stopped; the shutdown hook of {@code --keep} holds the JVM until then. */
    private static final CountDownLatch FINISHED = new CountDownLatch(1);

    public static void main(String[] args) {
        int exit = 0;
        try {
            run(args);
        } catch (Exception e) {
            System.err.println("demo: failed: " + e);
            e.printStackTrace();
            exit = 1;
        } finally {
            FINISHED.countDown();
        }
        if (!interrupted) {
            // the in-process broker's threads would keep the JVM alive; during a shutdown, exit would block
            System.exit(exit);
        }
    }

    private static void run(String[] args) throws Exception {
        boolean keep = args.length > 0 && args[0].equals("--keep");
        Path root = Path.of(System.getProperty("stagecraft.root", ".")).toAbsolutePath();
        Path work = Files.createTempDirectory("stagecraft-demo-");
        say("starting Kafka and PostgreSQL");
        // stopped below, after the environment is gone; not by a shutdown hook of its own, which would race with that
        try (LocalInfra infra = LocalInfra.temporary(Durability.TEST_SPEED)) {
            say("Kafka " + infra.kafkaBootstrapServers() + ", PostgreSQL " + infra.jdbcUrl());
            say("starting the five services (logs in " + work.resolve("logs") + ")");
            try (Stack stack = Stack.start(root, infra, work)) {
                drive(stack, keep);
            }
            say("services stopped");
        }
        say("Kafka and PostgreSQL stopped");
    }

    private static void drive(Stack stack, boolean keep) throws Exception {
        say("gateway at " + stack.services.gatewayUrl() + " (OpenAPI at /q/openapi)");
        say("admin API token: " + stack.adminToken + "  (curl -H 'Authorization: Bearer <token>' ...)");
        String app = "shop-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        say("registered application " + app + " for " + stack.repositoryUrl);

        stack.repository.branch("feature");
        String first = stack.repository.commit("feature", Map.of("CHANGELOG.md", "started\n"), "start feature");
        PullRequestFlow pr = new PullRequestFlow(stack, app, 1, "feature");
        long t0 = System.nanoTime();
        String env = pr.open(first);
        say("pull request #1 opened at " + first.substring(0, 12) + ": environment " + env);
        JsonNode ready = pr.awaitReady();
        say(String.format("READY in %.1fs", (System.nanoTime() - t0) / 1e9));
        printEndpoints(stack, ready);

        String second = stack.repository.commit("feature",
                Map.of("web/index.html", "web v2 " + stack.nonce + "\n"), "new web page");
        t0 = System.nanoTime();
        pr.push(second);
        say("pushed " + second.substring(0, 12) + " (web changed)");
        JsonNode patched = pr.awaitReady();
        say(String.format("patched in %.1fs", (System.nanoTime() - t0) / 1e9));
        printEndpoints(stack, patched);

        if (keep) {
            say("keeping everything up; press Ctrl-C to close the pull request and stop");
            say("console: " + stack.services.gatewayUrl() + "/#/environments/" + patched.path("id").asText()
                    + " (sign in with the admin token " + stack.adminToken + ")");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                interrupted = true;
                stop.countDown();
                try {
                    FINISHED.await(5, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-stop"));
            stop.await();
            say("stopping: the pull request is closed first");
        }
        pr.close();
        say("pull request #1 closed");
        pr.awaitDeleted();
        say("environment " + env + " DELETED; its containers and images are gone");
    }

    private static void printEndpoints(Stack stack, JsonNode env) throws Exception {
        var fields = env.get("endpoints").fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String url = e.getValue().asText();
            GatewayClient.Answer answer = stack.gateway.fetch(url);
            say("  " + e.getKey() + " " + url + " -> HTTP " + answer.status() + " \"" + answer.body().strip() + "\"");
        }
    }

    private static void say(String line) {
        System.out.println("demo: " + line);
    }
}
