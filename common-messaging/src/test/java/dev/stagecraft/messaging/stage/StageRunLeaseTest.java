package dev.stagecraft.messaging.stage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.LifecycleEvent;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.messaging.MessagingConfigs;
import dev.stagecraft.messaging.outbox.Outbox;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Stage runs shared by several instances of a stage service, against a real PostgreSQL: each instance here is a
 * {@link StageRuns} of its own with its own instance id, on the same table, as two processes would be.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class StageRunLeaseTest {

    @Inject
    StageRuns service;

    @Inject
    Outbox outbox;

    @Inject
    EntityManager em;

    @Inject
    CountingHandler handler;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private final List<StageRuns> instances = new ArrayList<>();

    @AfterEach
    void stopInstances() {
        instances.forEach(StageRuns::stop);
        instances.clear();
        handler.reset();
    }

    private StageRuns instance(String id, Duration lease) {
        return instance(id, lease, 8);
    }

    private StageRuns instance(String id, Duration lease, int concurrency) {
        return instance(id, lease, concurrency, Duration.ofHours(1));
    }

    private StageRuns instance(String id, Duration lease, int concurrency, Duration heartbeat) {
        StageRuns runs = service.withConfig(MessagingConfigs.with(Map.of(
                "stagecraft.stage.heartbeat", heartbeat.toString(), "stagecraft.stage.heartbeat-for", "PT1H",
                "stagecraft.stage.concurrency", String.valueOf(concurrency),
                "stagecraft.stage.lease", lease.toString(), "stagecraft.stage.max-attempts", "3",
                "stagecraft.instance-id", id + "-" + UUID.randomUUID().toString().substring(0, 6))));
        runs.onStart(null);
        instances.add(runs);
        return runs;
    }

    private static CloudEvent command(String environment, String workflow) {
        SetupRequested request = new SetupRequested(environment, workflow, "c0ffee",
                new EnvironmentSpec("lease-test", List.of(), Map.of()), Map.of());
        return CloudEvent.of("test", request, null);
    }

    private StageRun run(String workflow) {
        return QuarkusTransaction.requiringNew().call(() -> {
            StageRun run = StageRun.findById(workflow);
            em.refresh(run);
            return run;
        });
    }

    @Test
    void twoInstancesTakingTheSameCommandsRunEachOnce() {
        StageRuns first = instance("first", Duration.ofSeconds(3));
        StageRuns second = instance("second", Duration.ofSeconds(3));
        List<String> workflows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String workflow = UUID.randomUUID().toString();
            workflows.add(workflow);
            CloudEvent command = command("env-" + i, workflow);
            // a rebalance, or a redelivery after a crash, hands the same command to both
            first.accept(command);
            second.accept(command);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> workflows.stream()
                .allMatch(w -> run(w).status == StageRun.Status.SUCCEEDED));
        for (String workflow : workflows) {
            assertEquals(1, handler.runs(workflow), "runs of " + workflow);
            assertEquals(1, run(workflow).attempts, "attempts of " + workflow);
        }
    }

    @Test
    void aRunWhoseInstanceStoppedRenewingIsTakenOverAfterTheLeaseAndFinishedOnce() throws Exception {
        StageRuns stuck = instance("stuck", Duration.ofSeconds(2));
        String workflow = UUID.randomUUID().toString();
        CountDownLatch frozen = handler.block(workflow);
        stuck.accept(command("env-stuck", workflow));
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.runs(workflow) == 1);
        stuck.leases.shutdownNow(); // as if the process hung: it neither renews nor works
        long lostAt = System.nanoTime();

        instance("rescuer", Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(15)).until(() -> run(workflow).status == StageRun.Status.SUCCEEDED);
        double after = (System.nanoTime() - lostAt) / 1e9;
        assertTrue(after >= 1.0, "taken over only once the lease expired, not after " + after + " s");
        StageRun done = run(workflow);
        // the rescuer, or the application's own StageRuns (a third instance here): anyone but the stuck one
        assertNotEquals(stuck.config.instanceId(), done.owner);
        assertEquals(2, done.attempts);
        assertEquals(2, handler.runs(workflow));

        frozen.countDown(); // the stuck instance wakes up and finishes too: its outcome must not count
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.finished(workflow) == 2);
        assertEquals(1, published("env-stuck", workflow, MessageType.of(new SetupSucceeded("e", "w", Map.of()))
                .ceType()), "one SetupSucceeded reached the broker");
    }

    @Test
    void aCancellationReachesTheInstanceThatRunsTheRun() {
        StageRuns worker = instance("worker", Duration.ofMillis(900));
        StageRuns other = instance("other", Duration.ofMillis(900));
        String workflow = UUID.randomUUID().toString();
        handler.block(workflow);
        worker.accept(command("env-cancel", workflow));
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.runs(workflow) == 1);
        other.accept(CloudEvent.of("test", new CancelRequested("env-cancel", workflow, "closed"), null));
        await().atMost(Duration.ofSeconds(10)).until(() -> run(workflow).status == StageRun.Status.CANCELLED);
        assertTrue(run(workflow).reason.contains("closed"), run(workflow).reason);
    }

    @Test
    void aRunStartedMoreThanTheAllowedAttemptsFailsItsWorkflowInsteadOfRunningAgain() {
        String workflow = UUID.randomUUID().toString();
        CloudEvent command = command("env-attempts", workflow);
        StageRuns writer = instance("writer", Duration.ofSeconds(30));
        handler.block(workflow);
        writer.accept(command);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.runs(workflow) == 1);
        // three earlier processes died while working on it, and the lease of the last has expired
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("update stage_run set attempts = 3,"
                + " owner = 'dead', lease_until = now() - interval '1 second' where workflow_id = :id")
                .setParameter("id", workflow).executeUpdate());
        writer.stop();
        instance("survivor", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> run(workflow).status == StageRun.Status.FAILED);
        assertTrue(run(workflow).reason.contains("gave up after 3 attempts"), run(workflow).reason);
    }

    @Test
    void aRunWhoseOutcomeIsAFailureEndsFailedWithItsReason() {
        StageRuns worker = instance("judge", Duration.ofSeconds(30));
        String failing = UUID.randomUUID().toString();
        String passing = UUID.randomUUID().toString();
        worker.accept(command(FAILING + "-env", failing));
        worker.accept(command("env-passes", passing));
        await().atMost(Duration.ofSeconds(10)).until(() -> run(failing).status.finished()
                && run(passing).status.finished());
        assertEquals(StageRun.Status.FAILED, run(failing).status, "SetupFailed is a failure by its type");
        assertTrue(run(failing).reason.contains("never answered"), run(failing).reason);
        assertEquals(StageRun.Status.SUCCEEDED, run(passing).status);
    }

    @Test
    void aCommandTakenWithRoomInThePoolIsRecordedClaimedAndAnnouncedByOneCommit() {
        StageRuns worker = instance("one-commit", Duration.ofSeconds(30));
        String workflow = UUID.randomUUID().toString();
        handler.block(workflow);
        worker.accept(command("env-one-commit", workflow));
        // no waiting: when accept returns, its one transaction has committed the run as running here, with the
        // started event in the same commit (still in the outbox, or already relayed)
        StageRun run = run(workflow);
        assertEquals(StageRun.Status.RUNNING, run.status);
        assertTrue(run.owner.startsWith("one-commit-"), run.owner);
        assertEquals(1, run.attempts);
        assertTrue(run.leaseUntil != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.runs(workflow) == 1);
    }

    @Test
    void aCommandTakenWithAFullPoolWaitsAndIsAnnouncedWhenAThreadTakesItUp() {
        StageRuns worker = instance("full", Duration.ofSeconds(30), 1);
        String busy = UUID.randomUUID().toString();
        String waiting = UUID.randomUUID().toString();
        CountDownLatch release = handler.block(busy);
        worker.accept(command("env-busy", busy));
        await().atMost(Duration.ofSeconds(10)).until(() -> handler.runs(busy) == 1);
        worker.accept(command("env-waiting", waiting));
        assertEquals(StageRun.Status.ACCEPTED, run(waiting).status, "not announced while no thread works on it");
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> run(waiting).status == StageRun.Status.SUCCEEDED);
        assertEquals(1, handler.runs(waiting));
        assertEquals(1, run(waiting).attempts);
    }

    /** Every run working on an instance says so every heartbeat, with how long it has been working. */
    @Test
    void runsWorkingAtOnceEachSendHeartbeats() {
        StageRuns worker = instance("beating", Duration.ofSeconds(30), 4, Duration.ofSeconds(1));
        List<String> workflows = new ArrayList<>();
        List<CountDownLatch> releases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String workflow = UUID.randomUUID().toString();
            workflows.add(workflow);
            releases.add(handler.block(workflow));
            worker.accept(command("env-beating-" + i, workflow));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> workflows.stream().allMatch(w -> handler.runs(w) == 1));
        String progressed = MessageType.of(new WorkflowProgressed("e", "w", 0)).ceType();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (int i = 0; i < workflows.size(); i++) {
                    if (published("env-beating-" + i, workflows.get(i), progressed) < 2) {
                        return false;
                    }
                }
                return true;
            });
        } finally {
            releases.forEach(CountDownLatch::countDown);
        }
    }

    /** Environments whose id starts with this end their runs with SetupFailed. */
    private static final String FAILING = "env-fails";

    /** Counts runs per workflow; a blocked workflow's run waits for its latch. */
    @ApplicationScoped
    static class CountingHandler implements StageHandler {

        private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> finished = new ConcurrentHashMap<>();
        private final Map<String, CountDownLatch> blocked = new ConcurrentHashMap<>();

        void reset() {
            blocked.values().forEach(CountDownLatch::countDown);
            runs.clear();
            finished.clear();
            blocked.clear();
        }

        CountDownLatch block(String workflow) {
            return blocked.computeIfAbsent(workflow, w -> new CountDownLatch(1));
        }

        int runs(String workflow) {
            return runs.getOrDefault(workflow, new AtomicInteger()).get();
        }

        int finished(String workflow) {
            return finished.getOrDefault(workflow, new AtomicInteger()).get();
        }

        @Override
        public LifecycleEvent started(CloudEvent command) {
            return new SetupStarted(command.subject(), command.workflowId());
        }

        @Override
        public StageOutcome run(CloudEvent command, RunControl control) throws Exception {
            int attempt = runs.computeIfAbsent(command.workflowId(), w -> new AtomicInteger()).incrementAndGet();
            try {
                CountDownLatch latch = blocked.get(command.workflowId());
                if (latch != null && attempt == 1) {
                    while (!latch.await(50, TimeUnit.MILLISECONDS)) {
                        control.checkCancelled();
                    }
                }
                Thread.sleep(20);
                if (command.subject().startsWith(FAILING)) {
                    return new SetupFailed(command.subject(), command.workflowId(), "services.web", "never answered");
                }
                return new SetupSucceeded(command.subject(), command.workflowId(), Map.of());
            } finally {
                finished.computeIfAbsent(command.workflowId(), w -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public StageOutcome.Failed failed(CloudEvent command, String task, String reason) {
            return new SetupFailed(command.subject(), command.workflowId(), task, reason);
        }
    }

    /**
     * How many events of {@code ceType} about {@code workflow} reached the lifecycle topic before a marker the outbox
     * sends now for {@code environment}: it sends an environment's messages in commit order, so the marker comes last.
     */
    private long published(String environment, String workflow, String ceType) {
        String marker = "marker-" + UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(new SetupStarted(environment, marker), null));
        AtomicInteger count = new AtomicInteger();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(dev.stagecraft.infra.LocalInfra.shared().kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "lease-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.LIFECYCLE));
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                boolean end = false;
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    Header type = record.headers().lastHeader("ce_type");
                    if (type != null && ceType.equals(new String(type.value())) && record.value().contains(workflow)) {
                        count.incrementAndGet();
                    }
                    end |= record.value().contains(marker);
                }
                return end;
            });
        }
        return count.get();
    }
}
