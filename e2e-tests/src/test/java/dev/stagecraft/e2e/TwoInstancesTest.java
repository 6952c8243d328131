package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;

/**
 * Two instances of every stage service on the same topics and database, as in a scaled-out or rolling deployment.
 * Many pull requests are opened, pushed to and closed at once: no stage run is executed twice, counted both on the
 * environments' timelines (Started events) and in the Docker engine (containers created per environment). One
 * instance is killed with SIGKILL in the middle of a setup and another in the middle of a patch: the surviving
 * instance takes their runs over once the leases expire, and their partitions once the Kafka session times out.
 */
class TwoInstancesTest {

    private static final List<String> STAGES = List.of("build", "setup", "patch", "teardown");
    private static final int PULL_REQUESTS = Integer.getInteger("stagecraft.e2e.two-instances.pull-requests", 50);

    private static Stack stack;

    @BeforeAll
    static void secondInstances() throws Exception {
        stack = SharedStack.get();
        for (String stage : STAGES) {
            stack.services.startInstance(stage, stage + "-2");
        }
    }

    @AfterAll
    static void oneInstanceEach() throws Exception {
        for (String stage : STAGES) {
            if (stack.services.alive(stage + "-2")) {
                stack.services.stop(stage + "-2"); // SIGTERM: gives its leases back
            }
            if (!stack.services.alive(stage)) {
                stack.services.restart(stage);
            }
        }
    }

    @Test
    void noRunTwiceAndAKilledInstancesRunsAreTakenOver() throws Exception {
        String app = "twice-" + stack.nonce;
        stack.gateway.registerApplication(app, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        ContainerCreates watch = ContainerCreates.watch();
        List<PullRequestFlow> flows = new ArrayList<>();
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < PULL_REQUESTS; i++) {
            String branch = "two-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            stack.repository.branch(branch);
            String head = stack.repository.commit(branch, Map.of("web/index.html", "web " + branch + "\n",
                    "api/index.html", "api " + branch + "\n"), "pull request " + i);
            PullRequestFlow flow = new PullRequestFlow(stack, app, 700 + i, branch);
            flow.open(head);
            flows.add(flow);
            branches.add(branch);
        }
        long started = System.nanoTime();
        String setupVictim = killOwnerOfARunning("setup");
        for (PullRequestFlow flow : flows) {
            flow.awaitReady(Duration.ofMinutes(10));
        }
        double allReady = (System.nanoTime() - started) / 1e9;
        stack.services.restart(setupVictim);

        // a push to every pull request that changes one service: a patch each, with a patch instance killed
        for (int i = 0; i < PULL_REQUESTS; i++) {
            String head = stack.repository.commit(branches.get(i), Map.of("web/index.html",
                    "web " + branches.get(i) + " pushed\n"), "push to pull request " + i);
            flows.get(i).push(head);
        }
        started = System.nanoTime();
        String patchVictim = killOwnerOfARunning("patch");
        for (PullRequestFlow flow : flows) {
            flow.awaitReady(Duration.ofMinutes(10));
        }
        double allPatched = (System.nanoTime() - started) / 1e9;
        stack.services.restart(patchVictim);

        Map<String, Integer> creates = watch.stop();
        int setupsTakenOver = 0;
        int patchesTakenOver = 0;
        for (PullRequestFlow flow : flows) {
            String env = flow.environment();
            JsonNode view = stack.gateway.environment(env);
            assertEquals(2, count(view, "dev.stagecraft.build.started.v1"), "builds of " + env);
            long setups = count(view, "dev.stagecraft.setup.started.v1");
            long patches = count(view, "dev.stagecraft.patch.started.v1");
            assertTrue(setups == 1 || setups == 2, setups + " setups of " + env);
            assertTrue(patches == 1 || patches == 2, patches + " patches of " + env);
            setupsTakenOver += setups == 2 ? 1 : 0;
            patchesTakenOver += patches == 2 ? 1 : 0;
            // setup creates a container per service and the patch one for the changed service; a run taken over
            // keeps what the killed instance had started, and replaces at most what it had only created
            int created = creates.getOrDefault(env, 0);
            if (setups == 1 && patches == 1) {
                assertEquals(3, created, "containers created in " + env);
            } else {
                assertTrue(created >= 3 && created <= 5, created + " containers created in " + env);
            }
            List<Container> containers = stack.docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec();
            assertEquals(2, containers.size(), "one container per service in " + env);
        }
        List<String> envs = flows.stream().map(PullRequestFlow::environment).toList();
        int extra = creates.values().stream().mapToInt(Integer::intValue).sum() - 3 * PULL_REQUESTS;
        System.out.printf("two instances: %d pull requests READY in %.1f s and patched in %.1f s; setups taken over "
                + "from the killed %s: %d, patches taken over from the killed %s: %d; containers created beyond one "
                + "per service and patch: %d%n", PULL_REQUESTS, allReady, allPatched, setupVictim, setupsTakenOver,
                patchVictim, patchesTakenOver, extra);
        System.out.printf("two instances: build claims %d, setup claims %d, patch claims %d%n",
                attempts("build", envs), attempts("setup", envs), attempts("patch", envs));
        assertTrue(setupsTakenOver >= 1, "the setup the killed instance was running was taken over and run again");
        assertTrue(patchesTakenOver >= 1, "the patch the killed instance was running was taken over and run again");
        assertEquals(2 * PULL_REQUESTS, attempts("build", envs), "build runs started (no build instance was killed)");
        // a claim counts as an attempt; the killed instance may have claimed runs it never got to start (at most
        // its concurrency of 4), which the survivor then starts as their second attempt
        int setupClaims = attempts("setup", envs);
        int patchClaims = attempts("patch", envs);
        assertTrue(setupClaims >= PULL_REQUESTS + setupsTakenOver && setupClaims <= PULL_REQUESTS + 4,
                setupClaims + " setup claims");
        assertTrue(patchClaims >= PULL_REQUESTS + patchesTakenOver && patchClaims <= PULL_REQUESTS + 4,
                patchClaims + " patch claims");

        for (PullRequestFlow flow : flows) {
            flow.close();
        }
        for (PullRequestFlow flow : flows) {
            flow.awaitDeleted(Duration.ofMinutes(5));
            JsonNode env = stack.gateway.environment(flow.environment());
            assertEquals(1, count(env, "dev.stagecraft.teardown.started.v1"), "teardowns of " + flow.environment());
            assertEquals(List.of(), stack.docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Labels.ENVIRONMENT, flow.environment())).exec());
        }
    }

    /** Waits for an instance of {@code stage} to hold the lease of a running run, kills it with SIGKILL. */
    private static String killOwnerOfARunning(String stage) throws Exception {
        String victim = Awaitility.await("a " + stage + " that runs").atMost(Duration.ofMinutes(3))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                .until(() -> runningOwner(stage), java.util.Objects::nonNull);
        stack.services.kill(victim);
        return victim;
    }

    /** The instance of {@code stage} that holds the lease of a running run, if any. */
    private static String runningOwner(String stage) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), null);
                ResultSet rs = db.createStatement().executeQuery("select owner from " + stage
                        + ".stage_run where status = 'RUNNING' and finished_at is null and owner is not null limit 1")) {
            if (!rs.next()) {
                return null;
            }
            String owner = rs.getString(1);
            return owner.equals(stack.services.instanceId(stage)) ? stage
                    : owner.equals(stack.services.instanceId(stage + "-2")) ? stage + "-2" : null;
        }
    }

    /** How often the stage's runs for these environments were started, by the instances' own count. */
    private static int attempts(String stage, List<String> environments) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), null);
                var query = db.prepareStatement("select coalesce(sum(attempts), 0) from " + stage
                        + ".stage_run where environment_id = any(?)")) {
            query.setArray(1, db.createArrayOf("varchar", environments.toArray()));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Counts the containers the engine creates per environment label from now until closed: the runtime calls
     * themselves. A live subscription, because the engine keeps only its last 256 events for later queries.
     */
    private static final class ContainerCreates extends ResultCallback.Adapter<Event> {

        private final Map<String, Integer> perEnvironment = new ConcurrentHashMap<>();
        private final Set<String> seen = ConcurrentHashMap.newKeySet();

        static ContainerCreates watch() throws InterruptedException {
            ContainerCreates creates = stack.docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER)
                    .withEventFilter("create").exec(new ContainerCreates());
            creates.awaitStarted();
            return creates;
        }

        @Override
        public void onNext(Event event) {
            String env = event.getActor() == null || event.getActor().getAttributes() == null ? null
                    : event.getActor().getAttributes().get(Labels.ENVIRONMENT);
            if (env != null && seen.add(event.getActor().getId())) {
                perEnvironment.merge(env, 1, Integer::sum);
            }
        }

        Map<String, Integer> stop() throws IOException {
            close();
            return Map.copyOf(perEnvironment);
        }
    }

    private static long count(JsonNode environment, String type) {
        long n = 0;
        for (JsonNode entry : environment.path("timeline")) {
            if (type.equals(entry.path("type").asText())) {
                n++;
            }
        }
        return n;
    }
}
