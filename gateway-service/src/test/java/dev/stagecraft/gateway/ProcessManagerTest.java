package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.RuntimeInventoried;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.SampleRepository;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ProcessManagerTest {

    private static final String C1 = "1111111111111111111111111111111111111111";
    private static final String C2 = "2222222222222222222222222222222222222222";
    private static final String C3 = "3333333333333333333333333333333333333333";
    private static final String C4 = "4444444444444444444444444444444444444444";

    /** Every test's seat on the broker. */
    private TestBus bus;

    @BeforeEach
    void joinTheBus() {
        bus = new TestBus();
    }

    @AfterEach
    void leaveTheBus() {
        bus.close();
    }

    /** A pull request opened at C1 on an application registered for it, and the build it asked for. */
    private record Opened(String repo, String app, String env, BuildRequested build) {
    }

    private Opened openOnANewApplication() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        String env = Apps.openPullRequest(repo, app, C1);
        return new Opened(repo, app, env, (BuildRequested) bus.await(BuildRequested.class, env).data());
    }

    /** Reports {@code build} completed with an image per service. */
    private void complete(String env, BuildRequested build) {
        bus.publish(new BuildCompleted(env, build.workflowId(), build.commit(), images(build.commit()), Map.of()));
    }

    /** Closes the pull request while its first build runs, and returns the teardown that asks for. */
    private TeardownRequested closeWhileBuilding(Opened pr) {
        send("pull_request-closed.json", pr.repo(), C1);
        return (TeardownRequested) bus.await(TeardownRequested.class, pr.env()).data();
    }

    private static void send(String fixture, String repo, String sha) {
        Hooks.send("pull_request", Hooks.pullRequest(fixture, repo, sha)).statusCode(202);
    }

    private static List<ImageRef> images(String commit) {
        return List.of(new ImageRef("web", "registry.test/shop/web:" + commit.substring(0, 7), true),
                new ImageRef("api", "registry.test/shop/api:" + commit.substring(0, 7), true));
    }

    @Test
    void aPullRequestIsBuiltSetUpPatchedAndTornDown() {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        BuildRequested build = pr.build();
        assertEquals(C1, build.commit());
        assertEquals(pr.repo(), build.repositoryUrl());
        assertEquals(List.of("web", "api"), build.spec().services().stream().map(s -> s.name()).toList());
        assertEquals("changes", build.branch());

        bus.publish(new BuildStarted(env, build.workflowId(), C1));
        complete(env, build);
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        assertEquals(Map.of("web", "registry.test/shop/web:1111111", "api", "registry.test/shop/api:1111111"),
                setup.images());
        Api.awaitState(env, "SETTING_UP");

        Map<String, String> endpoints = Map.of("web", "http://127.0.0.1:4001", "api", "http://127.0.0.1:4002");
        bus.publish(new SetupSucceeded(env, setup.workflowId(), endpoints));
        JsonPath ready = Api.awaitState(env, "READY");
        assertEquals(C1, ready.getString("deployedCommit"));
        assertEquals(endpoints, ready.getMap("endpoints"));
        assertEquals(C1, ((EnvironmentReady) bus.await(EnvironmentReady.class, env).data()).commit());

        send("pull_request-synchronize.json", pr.repo(), C2);
        BuildRequested second = (BuildRequested) bus.await(BuildRequested.class, env).data();
        assertEquals(C2, second.commit());
        complete(env, second);
        PatchRequested patch = (PatchRequested) bus.await(PatchRequested.class, env).data();
        assertEquals(C2, patch.commit());
        bus.publish(new PatchSucceeded(env, patch.workflowId(), endpoints, List.of("web", "api")));
        Api.awaitEnvironment(env, e -> e.getString("state").equals("READY")
                && C2.equals(e.getString("deployedCommit")));

        send("pull_request-closed.json", pr.repo(), C2);
        TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
        assertTrue(teardown.images().containsAll(List.of("registry.test/shop/web:1111111",
                "registry.test/shop/web:2222222")), "teardown removes every image the environment ran: "
                + teardown.images());
        Api.awaitState(env, "TEARING_DOWN");
        bus.publish(new TeardownSucceeded(env, teardown.workflowId(), List.of("container web")));
        JsonPath deleted = Api.awaitState(env, "DELETED");
        assertTrue(deleted.getList("timeline.type").contains("dev.stagecraft.environment.deleted.v1"));
    }

    @Test
    void aHeartbeatPushesTheDeadlineBackWithoutCrowdingTheTimeline() throws Exception {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        java.time.OffsetDateTime before = activeDeadline(env);
        Thread.sleep(1100);
        bus.publish(new WorkflowProgressed(env, pr.build().workflowId(), 61));
        bus.publish(new BuildStarted(env, pr.build().workflowId(), C1)); // a later marker: the heartbeat was handled
        Api.awaitEnvironment(env, e -> e.getList("timeline.type").contains("dev.stagecraft.build.started.v1"));
        java.time.OffsetDateTime after = activeDeadline(env);
        assertTrue(after.isAfter(before.plusSeconds(1)), before + " -> " + after);
        assertFalse(Api.environment(env).getList("timeline.type").contains("dev.stagecraft.workflow.progressed.v1"));
    }

    private static java.time.OffsetDateTime activeDeadline(String env) {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() ->
                dev.stagecraft.gateway.environments.Environment.<dev.stagecraft.gateway.environments.Environment>findById(env)
                        .activeDeadline);
    }

    @Test
    void aCommandTheBrokerRefusedFailsItsWorkflowWithTheReasonInsteadOfWaitingForTheDeadline() {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        complete(env, pr.build());
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();

        bus.publish(new MessageUndeliverable(env, setup.workflowId(), "lost-1",
                "dev.stagecraft.setup.requested.v1", "stagecraft.setup.commands", "/stagecraft/gateway", 2_000_000,
                "the broker refused it: RecordTooLargeException"));
        JsonPath failed = Api.awaitState(env, "FAILED");
        assertTrue(failed.getString("failureReason").contains("could not deliver dev.stagecraft.setup.requested.v1")
                && failed.getString("failureReason").contains("RecordTooLargeException"), failed.prettify());
    }

    @Test
    void tenPushesDuringABuildLeadToOneMoreBuildOfTheNewest() {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        for (int i = 0; i < 9; i++) {
            send("pull_request-synchronize.json", pr.repo(), String.format("%040d", i + 10));
        }
        send("pull_request-synchronize.json", pr.repo(), C4);
        assertEquals(C4, Api.environment(env).getString("desiredCommit"));

        complete(env, pr.build());
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "no build starts while one runs");
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of()));
        BuildRequested next = (BuildRequested) bus.await(BuildRequested.class, env).data();
        assertEquals(C4, next.commit(), "only the newest waiting commit is built");
        complete(env, next);
        bus.await(PatchRequested.class, env);
        assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "one build after the first, no more");
    }

    @Test
    void teardownCancelsTheRunningBuildAndLateEventsChangeNothing() {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        TeardownRequested teardown = closeWhileBuilding(pr);
        CancelRequested cancel = (CancelRequested) bus.await(CancelRequested.class, env).data();
        assertEquals(pr.build().workflowId(), cancel.workflowId());

        complete(env, pr.build());
        send("pull_request-synchronize.json", pr.repo(), C3);
        JsonPath state = Api.awaitEnvironment(env,
                e -> e.getList("timeline.type").contains("dev.stagecraft.build.completed.v1"));
        assertEquals("TEARING_DOWN", state.getString("state"));
        assertEquals(Boolean.FALSE, state.get("timeline.find { it.type == 'dev.stagecraft.build.completed.v1' }.applied"));

        bus.publish(new TeardownSucceeded(env, teardown.workflowId(), List.of()));
        bus.await(EnvironmentDeleted.class, env); // handled after the late events
        assertEquals(List.of(), bus.remaining(SetupRequested.class, env),
                "nothing sets up an environment that is being torn down");
        assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "nor builds it");
        Api.awaitState(env, "DELETED");
        given().contentType("application/json").body("{}").post("/api/environments/" + env + "/deploy").then()
                .statusCode(409);
    }

    /**
     * A pull request reopened while its environment is being torn down gets an environment of its own: the delivery
     * names it, it is built, and the old one still goes to DELETED. Nothing is dropped while saying it was accepted.
     */
    @Test
    void aPullRequestReopenedDuringItsTeardownGetsANewEnvironment() {
        Opened pr = openOnANewApplication();
        String old = pr.env();
        TeardownRequested teardown = closeWhileBuilding(pr);

        String delivery = Hooks.send("pull_request", Hooks.pullRequest("pull_request-reopened.json", pr.repo(), C2))
                .statusCode(202).extract().path("environment");
        List<String> ids = given().queryParam("application", pr.app()).get("/api/environments").then().extract()
                .path("id");
        assertEquals(2, ids.size(), "a new environment next to the one being torn down: " + ids);
        String fresh = ids.stream().filter(id -> !id.equals(old)).findFirst().orElseThrow();
        assertEquals(fresh, delivery, "the delivery names the environment it deployed");
        assertEquals(C2, ((BuildRequested) bus.await(BuildRequested.class, fresh).data()).commit());
        assertEquals("TEARING_DOWN", Api.environment(old).getString("state"));

        bus.publish(new TeardownSucceeded(old, teardown.workflowId(), List.of()));
        Api.awaitState(old, "DELETED");
        assertEquals("BUILDING", Api.environment(fresh).getString("state"), "the new one is not touched");
    }

    @Test
    void aRedeliveredEventIsAppliedOnce() {
        Opened pr = openOnANewApplication();
        String env = pr.env();
        bus.publishTwice(new BuildCompleted(env, pr.build().workflowId(), C1, images(C1), Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of()));
        bus.await(EnvironmentReady.class, env); // handled after the second copy
        assertEquals(List.of(), bus.remaining(SetupRequested.class, env),
                "the second copy started no second setup");
        given().get("/api/environments/" + env).then()
                .body("timeline.findAll { it.type == 'dev.stagecraft.build.completed.v1' }.size()", is(1));
    }

    @Test
    void aBranchEnvironmentFollowsPushesToItsBranch() throws Exception {
        // a real repository on disk, so the API can read the branch head with git ls-remote
        String head;
        String repo;
        try (SampleRepository sample = SampleRepository.create(java.nio.file.Files.createTempDirectory("repo"),
                "branches", Map.of("README", "hello"), "first")) {
            head = sample.resolve("main");
            repo = sample.fileUrl();
        }
        String app = Apps.register(repo);
        String env = given().contentType("application/json")
                .body(Map.of("application", app, "branch", "main", "kind", "permanent"))
                .post("/api/environments").then().statusCode(201).body("kind", is("PERMANENT")).extract().path("id");
        CloudEvent build = bus.await(BuildRequested.class, env);
        assertEquals(head, ((BuildRequested) build.data()).commit());
    }

    @Test
    void resourcesOfADeletedEnvironmentFoundByTheInventoryAreTornDownAgain() {
        String env = openOnANewApplication().env();
        java.time.OffsetDateTime beforeDeletion = java.time.OffsetDateTime.now();
        given().delete("/api/environments/" + env).then().statusCode(202);
        TeardownRequested first = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
        bus.publish(new TeardownSucceeded(env, first.workflowId(), List.of("container web")));
        Api.awaitState(env, "DELETED");

        // an inventory taken before the deletion finished proves nothing; it goes on the environment's
        // partition, so a late event of the first teardown, sent next, is handled after it
        var stale = KafkaCloudEvents.toRecord(CloudEvent.of("/test/stage",
                new RuntimeInventoried(null, null, "docker", List.of(env), beforeDeletion), null));
        bus.send(new ProducerRecord<>(stale.topic(), null, env, stale.value(), stale.headers()));
        bus.publish(new TeardownStarted(env, first.workflowId()));
        JsonPath unchanged = Api.awaitEnvironment(env,
                e -> e.getList("timeline.type").contains("dev.stagecraft.teardown.started.v1"));
        assertNull(unchanged.get("activeWorkflow"), "no teardown started");
        assertFalse(unchanged.getList("timeline.type").contains("dev.stagecraft.reconciliation.leftovers-found"));

        bus.publish(new RuntimeInventoried(null, null, "docker", List.of("not-ours-" + C2, env),
                java.time.OffsetDateTime.now()));
        TeardownRequested again = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
        assertTrue(again.reason().contains("found by reconciliation"), again.reason());
        JsonPath during = Api.environment(env);
        assertEquals("DELETED", during.getString("state"));
        assertEquals(again.workflowId(), during.getString("activeWorkflow"));
        bus.publish(new TeardownSucceeded(env, again.workflowId(), List.of("container web")));
        Api.awaitEnvironment(env, e -> e.getString("activeWorkflow") == null);
        assertEquals(first.workflowId(), ((EnvironmentDeleted) bus.await(EnvironmentDeleted.class, env).data())
                .workflowId());
        assertEquals(again.workflowId(), ((EnvironmentDeleted) bus.await(EnvironmentDeleted.class, env).data())
                .workflowId(), "the second teardown announces the deletion again");
        assertEquals(List.of(), bus.remaining(TeardownRequested.class, env), "two teardowns, no more");
    }
}
