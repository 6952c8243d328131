package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.EnvironmentActionRequested;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * kill -9 of each service in the middle of the stage it takes part in, then a restart of the same instance: the
 * environment goes on from where it was (the restarted instance resumes its own stage runs at once, and gets its
 * Kafka partitions back at once through static membership) and ends where it should, with nothing left over.
 * The template makes every stage last a few seconds, so each kill lands inside its stage. Prints a table of case,
 * outcome and recovery time (restart → the environment's next progress).
 */
class FaultInjectionTest {

    /** Every stage takes a few seconds: a slow build step, a service slow to answer, a teardown job. */
    private static final String TEMPLATE = "app: slow\nservices:\n" + SampleRepository.service("web") + """
            jobs:
            - name: linger
              from_services: web
              command: ["sh", "-c", "sleep 4"]
            workflows:
            - name: teardown
              parallelize:
              - step: linger
                tasks:
                - jobs.linger
            """;
    /**
     * A build that outlasts the gateway's restart just before it (7.5 s on a loaded two-core machine): the build-service
     * is then killed while it builds, not after.
     */
    private static final String DOCKERFILE = """
            FROM stagecraft/base:busybox
            COPY index.html /www/index.html
            RUN sleep 12
            CMD ["sh", "-c", "sleep 4; exec httpd -f -p ${PORT:-8080} -h /www"]
            """;
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(5);

    private static Stack stack;
    private static final List<String> TABLE = new ArrayList<>();

    @BeforeAll
    static void sharedStack() throws Exception {
        stack = SharedStack.get();
    }

    @AfterAll
    static void printTable() throws Exception {
        System.out.printf("%nfault injection%n%-44s %-10s %s%n", "case", "outcome", "restart -> progress");
        TABLE.forEach(System.out::println);
        for (String service : StagecraftServices.SERVICES) {
            if (!stack.services.alive(service)) {
                stack.services.restart(service);
            }
        }
    }

    /**
     * An application of a slow repository of its own (a pull request of it makes one environment, not one per
     * application of the test), the repository, its URL, and the head of the branch its pull request comes from.
     */
    private record Branch(String app, SampleRepository repository, String url, String head) {
    }

    /** Registers the application {@code name}-nonce and pushes the branch {@code name} with one commit of its own. */
    private static Branch newApplicationWithABranch(String name) throws Exception {
        String app = name + "-" + stack.nonce;
        String repositoryName = "slow-" + app;
        SampleRepository repository = stack.newRepository(repositoryName, Map.of("web/Dockerfile", DOCKERFILE,
                "web/index.html", "slow v1\n"));
        String url = stack.repositoryUrl(repositoryName);
        stack.gateway.registerApplication(app, url, Stack.SECRET, TEMPLATE);
        repository.branch(name);
        return new Branch(app, repository, url, repository.commit(name, Map.of("web/index.html", name + " v1\n"),
                name));
    }

    @Test
    void everyServiceKilledInItsStageRecoversAndNothingIsLeft() throws Exception {
        Branch faults = newApplicationWithABranch("faults");
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, faults.url(), faults.app(), 31, "faults");

        pr.open(faults.head()); // answered 202: the delivery and the environment are committed
        String env = pr.environment();
        killAndRestart("gateway right after a webhook", "gateway", env);
        killInItsStage("build", "build-service during a build", env);
        killInItsStage("setup", "setup-service during setup", env);
        awaitServing(pr, "faults v1");

        String second = faults.repository().commit("faults", Map.of("web/index.html", "faults v2\n"), "second");
        pr.push(second);
        killInItsStage("patch", "patch-service during a patch", env);
        awaitServing(pr, "faults v2");

        pr.close();
        killInItsStage("teardown", "teardown-service during a teardown", env);
        pr.awaitDeleted();
        settle("DELETED");
        assertEquals(0, containers(env), "no container left");
        assertTrue(stack.docker.listNetworksCmd().withNameFilter(DockerRuntime.networkName(env)).exec().isEmpty(),
                "no network left");
    }

    /**
     * Kills the {@code stage}-service (build, setup, patch, teardown) while its run for the environment is under way
     * (as its own database says: the gateway may learn of the start late, and the stage could be over by then), and
     * restarts it; the time until the run goes on (started again by the restarted instance, or ended) is the
     * recovery time.
     */
    private static void killInItsStage(String stage, String what, String env) throws Exception {
        String workflow = awaitRunUnderWay(stage, env);
        stack.services.kill(stage);
        stack.services.restart(stage);
        long restarted = System.nanoTime();
        Awaitility.await(what + ": the run goes on").atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25)).until(() -> goesOn(env, stage, workflow));
        recovered(what, restarted);
    }

    /** The workflow id of the stage's run of the environment, once its service's database has it RUNNING. */
    private static String awaitRunUnderWay(String stage, String env) throws SQLException {
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), "");
                PreparedStatement query = db.prepareStatement("select workflow_id from " + stage + ".stage_run"
                        + " where environment_id = ? and status = 'RUNNING' and finished_at is null")) {
            query.setString(1, env);
            return Awaitility.await(stage + " run of " + env + " under way").atMost(Duration.ofMinutes(3))
                    .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(25)).until(() -> {
                        try (ResultSet rs = query.executeQuery()) {
                            return rs.next() ? rs.getString(1) : null;
                        }
                    }, Objects::nonNull);
        }
    }

    /** Whether the timeline shows the stage's run started a second time (taken up again) or ended. */
    private static boolean goesOn(String env, String stage, String workflow) throws Exception {
        String started = "dev.stagecraft." + stage + ".started.v1";
        int starts = 0;
        for (JsonNode entry : stack.gateway.environment(env).path("timeline")) {
            String type = entry.path("type").asText();
            if (!workflow.equals(entry.path("workflowId").asText()) || !type.startsWith("dev.stagecraft." + stage + ".")) {
                continue;
            }
            if (!type.equals(started) || ++starts == 2) {
                return true;
            }
        }
        return false;
    }

    /** Waits until the environment is READY again, serving {@code page} from its one container, and settled. */
    private static void awaitServing(PullRequestFlow pr, String page) throws Exception {
        JsonNode ready = pr.awaitReady();
        assertEquals(page, stack.gateway.fetch(ready.get("endpoints").get("web").asText()).body().strip());
        assertEquals(1, containers(pr.environment()), "one container for the one service");
        settle("READY");
    }

    /**
     * PostgreSQL, which every service uses, down for 20 s while a build runs: consumers wait and retry instead of
     * dead-lettering, stage runs that could not record their outcome run again, and the environment ends READY with
     * nothing added to any dead-letter topic. A command that reaches the gateway meanwhile is carried out afterwards.
     */
    @Test
    void aPostgresOutageInTheMiddleOfAWorkflowLosesNothing() throws Exception {
        String[] expires = new String[1];
        String env = outageDuringABuild("outage", 32, "PostgreSQL down 20 s during a build", id -> {
            expires[0] = stack.gateway.environment(id).path("expiresAt").asText();
            stack.infra.postgres().crash();
            try (var producer = new KafkaProducer<String, String>(stack.infra.kafkaClientConfig(
                    "stagecraft-ui"), new StringSerializer(), new StringSerializer())) {
                producer.send(KafkaCloudEvents.toRecord(Topics.UI_COMMANDS, CloudEvent.of("fault-injection-test",
                        new EnvironmentActionRequested(id, null, "extend", "fault-test", null, null, null, "P30D"),
                        null))).get();
            }
            Thread.sleep(20_000);
            stack.infra.postgres().restartIfStopped();
        });
        String extended = stack.gateway.awaitEnvironment(env, e -> !e.path("expiresAt").asText().equals(expires[0]),
                Duration.ofSeconds(30), "the extension sent during the outage").path("expiresAt").asText();
        assertTrue(OffsetDateTime.parse(extended).isAfter(OffsetDateTime.parse(expires[0])), expires[0] + " -> "
                + extended);
        closeAndCheck(env);
    }

    /** The broker stops for 5 s while a build runs, then comes back on the same address: nothing is lost. */
    @Test
    void aKafkaRestartInTheMiddleOfAWorkflowLosesNothing() throws Exception {
        closeAndCheck(outageDuringABuild("kafka", 33, "Kafka broker down 5 s during a build",
                id -> stack.infra.kafka().restart(Duration.ofSeconds(5))));
    }

    /** What an outage does to an environment ({@code id}); it returns once what went away is back. */
    @FunctionalInterface
    private interface Outage {
        void during(String environmentId) throws Exception;
    }

    /**
     * Opens a pull request of its own, brings {@code outage} on once its build started, and checks that it still
     * ends READY, serving its page, with no record added to any dead-letter topic; returns the environment's id.
     */
    private static String outageDuringABuild(String name, int number, String what, Outage outage) throws Exception {
        Map<String, Long> dlqBefore = deadLetters();
        Branch branch = newApplicationWithABranch(name);
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, branch.url(), branch.app(), number, name);
        pr.open(branch.head());
        awaitTimeline(pr.environment(), "dev.stagecraft.build.started.v1");
        long down = System.nanoTime();
        outage.during(pr.environment());
        long up = System.nanoTime();
        JsonNode ready = pr.awaitReady();
        double afterRestart = (System.nanoTime() - up) / 1e9;
        assertEquals(name + " v1", stack.gateway.fetch(ready.get("endpoints").get("web").asText()).body().strip());
        assertEquals(dlqBefore, deadLetters(), "nothing went to a dead-letter topic");
        TABLE.add(String.format("%-44s %-10s %.2f s (READY after it was back; down %.0f s)", what, "READY",
                afterRestart, (up - down) / 1e9));
        return pr.environment();
    }

    private static void closeAndCheck(String env) throws Exception {
        assertEquals(202, stack.gateway.delete("/api/environments/" + env).status());
        stack.gateway.awaitEnvironment(env, e -> "DELETED".equals(e.path("state").asText()), Duration.ofMinutes(3),
                "DELETED");
        assertEquals(0, containers(env), "no container left");
    }

    /** GitHub redelivering, or a proxy retrying: the same delivery ten times at once makes one environment, one build. */
    @Test
    void theSameWebhookTenTimesAtOnceMakesOneEnvironmentAndOneBuild() throws Exception {
        Branch dup = newApplicationWithABranch("dup");
        String app = dup.app();
        var payload = GitHubPayloads.pullRequest(GitHubPayloads.minimalPullRequest(), "opened", 34, "dup", dup.head(),
                dup.url());
        String delivery = UUID.randomUUID().toString();
        ExecutorService senders = Executors.newFixedThreadPool(10);
        List<Future<GatewayClient.Answer>> answers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 10; i++) {
            answers.add(senders.submit(() -> {
                go.await();
                return stack.gateway.webhook("pull_request", payload, Stack.SECRET, delivery);
            }));
        }
        go.countDown();
        int accepted = 0;
        int duplicates = 0;
        for (var answer : answers) {
            GatewayClient.Answer a = answer.get();
            assertTrue(a.status() == 202 || a.status() == 200, a.status() + " " + a.body());
            accepted += a.status() == 202 ? 1 : 0;
            duplicates += a.status() == 200 && a.body().contains("duplicate") ? 1 : 0;
        }
        senders.shutdown();
        assertEquals(1, accepted, "one delivery accepted");
        assertEquals(9, duplicates, "nine answered as duplicates");
        JsonNode environments = stack.gateway.environments(app);
        assertEquals(1, environments.size(), environments.toString());
        String env = environments.get(0).get("id").asText();
        JsonNode ready = stack.gateway.awaitEnvironment(env, e -> "READY".equals(e.path("state").asText()),
                Duration.ofMinutes(3), "READY");
        long builds = 0;
        for (JsonNode wf : ready.get("workflows")) {
            builds += "BUILD".equals(wf.get("stage").asText()) ? 1 : 0;
        }
        assertEquals(1, builds, "one build: " + ready.get("workflows"));
        TABLE.add(String.format("%-44s %-10s %s", "the same webhook 10 times at once", "READY",
                "1 accepted, 9 duplicates, 1 build"));
        closeAndCheck(env);
    }

    /** How many records each dead-letter topic holds. */
    private static Map<String, Long> deadLetters() {
        Map<String, Long> counts = new TreeMap<>();
        try (var consumer = new KafkaConsumer<String, String>(stack.infra.kafkaClientConfig(Map.of(
                "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
                "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer")))) {
            for (String topic : List.of("stagecraft.build.commands.dlq", "stagecraft.setup.commands.dlq",
                    "stagecraft.patch.commands.dlq", "stagecraft.teardown.commands.dlq", "stagecraft.lifecycle.dlq",
                    "stagecraft.logs.dlq", "stagecraft.ui.commands.dlq")) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                long total = 0;
                for (var end : consumer.endOffsets(partitions).entrySet()) {
                    total += end.getValue() - consumer.beginningOffsets(List.of(end.getKey())).get(end.getKey());
                }
                counts.put(topic, total);
            }
        }
        return counts;
    }

    /**
     * kill -9 of {@code instance}, restart under the same instance id, and the time from the restart until the
     * environment's timeline grows (the workflow goes on).
     */
    private static void killAndRestart(String what, String instance, String env) throws Exception {
        int before = stack.gateway.environment(env).path("timeline").size();
        stack.services.kill(instance);
        stack.services.restart(instance);
        long restarted = System.nanoTime();
        Awaitility.await(what + ": the timeline grows").atMost(Duration.ofMinutes(2)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(25))
                .until(() -> stack.gateway.environment(env).path("timeline").size() > before);
        recovered(what, restarted);
    }

    /** Adds the case to the table and checks that it recovered within {@link #RECOVERY_LIMIT} of the restart. */
    private static void recovered(String what, long restarted) {
        Duration recovery = Duration.ofNanos(System.nanoTime() - restarted);
        TABLE.add(String.format("%-44s %-10s %.2f s", what, "pending", recovery.toMillis() / 1000.0));
        assertTrue(recovery.compareTo(RECOVERY_LIMIT) <= 0, what + ": the environment went on only "
                + recovery.toMillis() + " ms after the restart");
    }

    /** The cases so far ended in {@code outcome}. */
    private static void settle(String outcome) {
        TABLE.replaceAll(row -> row.replace("pending   ", String.format("%-10s", outcome)));
    }

    private static void awaitTimeline(String env, String type) throws Exception {
        stack.gateway.awaitEnvironment(env, hasEntry(type), Duration.ofMinutes(3), type + " on the timeline");
    }

    private static Predicate<JsonNode> hasEntry(String type) {
        return e -> {
            for (JsonNode entry : e.path("timeline")) {
                if (type.equals(entry.path("type").asText())) {
                    return true;
                }
            }
            return false;
        };
    }

    private static int containers(String env) {
        return stack.docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec().size();
    }
}
