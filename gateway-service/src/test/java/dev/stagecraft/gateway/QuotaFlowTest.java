package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.EnvironmentEvicted;
import dev.stagecraft.events.EnvironmentQueued;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.PauseRequested;
import dev.stagecraft.events.PauseSucceeded;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Quotas through webhooks, the API and Kafka: past an application's limit of running environments a new pull request
 * is QUEUED with its position and starts when a running one closes; with the policy evict the least recently used pull
 * request environment is paused, and torn down at the next overflow, while the tracked branch is never touched; builds
 * beyond the limit of concurrent builds wait and start in order.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class QuotaFlowTest {

    private static final String C1 = "1".repeat(40), C2 = "2".repeat(40), C3 = "3".repeat(40);

    private static ObjectNode pullRequest(String fixture, String repo, int number, String sha) {
        ObjectNode pr = Hooks.pullRequest(fixture, repo, sha);
        pr.put("number", number);
        ((ObjectNode) pr.get("pull_request")).put("number", number);
        ((ObjectNode) pr.get("pull_request").get("head")).put("ref", "feature-" + number);
        return pr;
    }

    /** Opens pull request {@code number} at {@code sha}; returns the environment it got. */
    static String open(String repo, int number, String sha) {
        return Hooks.send("pull_request", pullRequest("pull_request-opened.json", repo, number, sha)).statusCode(202)
                .extract().path("environment");
    }

    static void close(String repo, int number) {
        Hooks.send("pull_request", pullRequest("pull_request-closed.json", repo, number, C1)).statusCode(202);
    }

    /** Plays the build and setup services for the environment's pending build: it ends READY. */
    static void ready(TestBus bus, String env) {
        BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
        bus.publish(new BuildCompleted(env, build.workflowId(), build.commit(), List.of(new ImageRef("web",
                "img/web:1", true)), Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:1")));
        Api.awaitState(env, "READY");
    }

    static void limits(String appId, Map<String, Object> limits) {
        given().contentType("application/json").body(limits).put("/api/applications/" + appId + "/limits").then()
                .statusCode(200);
    }

    @Test
    void limitsThatAreNotNumbersOfAtLeastOneOrAKnownPolicyAreRefusedNamingTheField() {
        String appId = Apps.registered(Apps.uniqueRepo(), Apps.TWO_SERVICES, Map.of()).getString("id");
        given().contentType("application/json").body(Map.of("maxRunningEnvironments", -1))
                .put("/api/applications/" + appId + "/limits").then().statusCode(400)
                .body("message", containsString("maxRunningEnvironments -1 is not accepted; use a whole number of at"
                        + " least 1"));
        given().contentType("application/json").body(Map.of("maxConcurrentBuilds", "two"))
                .put("/api/applications/" + appId + "/limits").then().statusCode(400)
                .body("message", containsString("maxConcurrentBuilds"));
        given().contentType("application/json").body(Map.of("overflow", "drop"))
                .put("/api/applications/" + appId + "/limits").then().statusCode(400)
                .body("message", containsString("overflow 'drop' is not accepted; use queue"));
        given().contentType("application/json").body(Map.of("maxRunning", 2))
                .put("/api/applications/" + appId + "/limits").then().statusCode(400)
                .body("message", containsString("field 'maxRunning' is not known"));
        given().contentType("application/json").body(Map.of("maxRunningEnvironments", 3, "overflow", "EVICT"))
                .put("/api/applications/" + appId + "/limits").then().statusCode(200)
                .body("limits.maxRunningEnvironments", is(3)).body("limits.overflow", is("evict"));
        given().delete("/api/applications/" + appId + "/limits").then().statusCode(200).body("limits", nullValue());
    }

    @Test
    void pullRequestsPastTheLimitQueueInOrderAndTheFirstStartsWhenARunningOneCloses() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        limits(appId, Map.of("maxRunningEnvironments", 2, "overflow", "queue"));
        try (TestBus bus = new TestBus()) {
            String first = open(repo, 101, C1);
            ready(bus, first);
            String second = open(repo, 102, C1);
            ready(bus, second);

            String third = open(repo, 103, C1);
            Api.awaitState(third, "QUEUED");
            given().get("/api/environments/" + third).then().body("queuePosition", is(1))
                    .body("desiredCommit", is(C1));
            EnvironmentQueued queued = (EnvironmentQueued) bus.await(EnvironmentQueued.class, third).data();
            assertEquals(1, queued.position());
            assertTrue(queued.reason().contains("maxRunningEnvironments 2"), queued.reason());
            String fourth = open(repo, 104, C1);
            Api.awaitState(fourth, "QUEUED");
            given().get("/api/environments/" + fourth).then().body("queuePosition", is(2));
            // a push to a queued pull request only moves the commit it will start with
            Hooks.send("pull_request", pullRequest("pull_request-synchronize.json", repo, 103, C3)).statusCode(202);
            Api.awaitEnvironment(third, e -> C3.equals(e.getString("desiredCommit")));
            Api.awaitMarker(bus, third);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, third), "nothing of a queued one is built");
            given().post("/api/environments/" + third + "/setup").then().statusCode(409)
                    .body("message", containsString("QUEUED (position 1)"));

            close(repo, 101);
            Api.awaitState(first, "TEARING_DOWN");
            BuildRequested started = (BuildRequested) bus.await(BuildRequested.class, third).data();
            assertEquals(C3, started.commit(), "the queued one starts with its newest commit");
            given().get("/api/environments/" + third).then().body("state", is("BUILDING"))
                    .body("queuePosition", nullValue());
            given().get("/api/environments/" + fourth).then().body("state", is("QUEUED")).body("queuePosition", is(1));

            // closed while queued: gone at once, and no teardown is sent for what was never created
            close(repo, 104);
            Api.awaitState(fourth, "DELETED");
            Api.awaitMarker(bus, fourth);
            assertEquals(List.of(), bus.remaining(TeardownRequested.class, fourth));
            assertEquals(List.of(), bus.remaining(BuildRequested.class, fourth));
        }
    }

    @Test
    void evictionPausesTheLeastRecentlyUsedPullRequestThenTearsItDownAndNeverTouchesTheTrackedBranch() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, "tracking_branch: main\n" + Apps.TWO_SERVICES, Map.of()).getString("id");
        limits(appId, Map.of("maxRunningEnvironments", 2, "overflow", "evict"));
        try (TestBus bus = new TestBus()) {
            ObjectNode push = Hooks.forRepository("push-branch-commits.json", repo);
            push.put("ref", "refs/heads/main");
            String main = Hooks.send("push", push).statusCode(202).extract().path("environment");
            ready(bus, main); // the oldest, least recently used: still never evicted
            String first = open(repo, 201, C1);
            ready(bus, first);

            String second = open(repo, 202, C2);
            PauseRequested pause = (PauseRequested) bus.await(PauseRequested.class, first).data();
            EnvironmentEvicted evicted = (EnvironmentEvicted) bus.await(EnvironmentEvicted.class, first).data();
            assertEquals("paused", evicted.action());
            assertEquals(second, evicted.forEnvironment());
            bus.publish(new PauseSucceeded(first, pause.workflowId()));
            Api.awaitState(first, "PAUSED");
            given().get("/api/environments/" + first).then().body("pausedBy", is("quota"))
                    .body("quotaNote", containsString("to make room for environment " + second));
            ready(bus, second);

            // the next overflow: the paused one goes for good, the least recently used running one is paused
            String third = open(repo, 203, C3);
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, first).data();
            assertTrue(teardown.reason().contains("to make room for environment " + third), teardown.reason());
            assertEquals("torn-down", ((EnvironmentEvicted) bus.await(EnvironmentEvicted.class, first).data())
                    .action());
            bus.await(PauseRequested.class, second);
            assertEquals(C3, ((BuildRequested) bus.await(BuildRequested.class, third).data()).commit());
            Api.awaitState(first, "TEARING_DOWN");
            Api.awaitState(second, "PAUSING");

            Api.awaitMarker(bus, main);
            assertEquals(List.of(), bus.remaining(PauseRequested.class, main), "the tracked branch is never paused");
            assertEquals(List.of(), bus.remaining(TeardownRequested.class, main));
            given().get("/api/environments/" + main).then().body("state", is("READY"));
        }
    }

    /**
     * A pause frees a running slot: the queued pull request starts. Resuming the paused one then finds no slot and is
     * refused, naming the limit, until the limit is raised.
     */
    @Test
    void aPauseStartsTheQueuedOneAndAResumePastTheLimitIsRefused() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        limits(appId, Map.of("maxRunningEnvironments", 1));
        try (TestBus bus = new TestBus()) {
            String first = open(repo, 501, C1);
            ready(bus, first);
            String second = open(repo, 502, C2);
            Api.awaitState(second, "QUEUED");

            given().post("/api/environments/" + first + "/pause").then().statusCode(202);
            PauseRequested pause = (PauseRequested) bus.await(PauseRequested.class, first).data();
            assertEquals(C2, ((BuildRequested) bus.await(BuildRequested.class, second).data()).commit(),
                    "the slot the pause freed is the queued one's");
            bus.publish(new PauseSucceeded(first, pause.workflowId()));
            Api.awaitState(first, "PAUSED");

            given().post("/api/environments/" + first + "/resume").then().statusCode(409)
                    .body("error", is("limit_reached"))
                    .body("message", containsString("maxRunningEnvironments 1"));
            limits(appId, Map.of("maxRunningEnvironments", 2));
            given().post("/api/environments/" + first + "/resume").then().statusCode(202);
            bus.await(dev.stagecraft.events.ResumeRequested.class, first);
        }
    }

    @Test
    void buildsBeyondTheLimitWaitAndStartInTheOrderTheyBeganToWait() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        limits(appId, Map.of("maxConcurrentBuilds", 1));
        try (TestBus bus = new TestBus()) {
            String first = open(repo, 301, C1);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, first).data();
            String second = open(repo, 302, C2);
            String third = open(repo, 303, C3);
            given().get("/api/environments/" + second).then().body("state", is("PENDING"))
                    .body("buildQueuePosition", is(1));
            given().get("/api/environments/" + third).then().body("buildQueuePosition", is(2));
            Api.awaitMarker(bus, third);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, second), "one build at a time");
            assertEquals(List.of(), bus.remaining(BuildRequested.class, third));

            bus.publish(new BuildCompleted(first, build.workflowId(), C1, List.of(new ImageRef("web", "img/web:1",
                    true)), Map.of()));
            BuildRequested next = (BuildRequested) bus.await(BuildRequested.class, second).data();
            assertEquals(C2, next.commit());
            Api.awaitState(first, "SETTING_UP");
            given().get("/api/environments/" + third).then().body("state", is("PENDING"))
                    .body("buildQueuePosition", is(1));
            Api.awaitMarker(bus, third);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, third), "the second took the slot");

            bus.publish(new BuildFailed(second, next.workflowId(), C2, "web", "exit 1", List.of()));
            assertEquals(C3, ((BuildRequested) bus.await(BuildRequested.class, third).data()).commit(),
                    "a failed build frees its slot too");
            Api.awaitState(third, "BUILDING");
            given().get("/api/environments/" + third).then().body("buildQueuePosition", nullValue());
        }
    }

    /**
     * Pull requests opened at the same moment (as several gateway replicas would take them) never get more running
     * slots than the limit: each admission counts under the same database lock.
     */
    @Test
    void simultaneousPullRequestsNeverTakeMoreSlotsThanTheLimit() throws Exception {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        limits(appId, Map.of("maxRunningEnvironments", 2));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> opened = new ArrayList<>();
            for (int n = 401; n <= 406; n++) {
                int number = n;
                opened.add(pool.submit(() -> open(repo, number, C1)));
            }
            int queued = 0;
            for (Future<String> f : opened) {
                String state = Api.environment(f.get()).getString("state");
                queued += "QUEUED".equals(state) ? 1 : 0;
            }
            assertEquals(4, queued, "two of six start, four wait");
        } finally {
            pool.shutdownNow();
        }
    }
}
