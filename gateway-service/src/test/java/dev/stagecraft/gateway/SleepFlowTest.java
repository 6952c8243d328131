package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.PauseRequested;
import dev.stagecraft.events.PauseSucceeded;
import dev.stagecraft.events.ResumeRequested;
import dev.stagecraft.events.ResumeSucceeded;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.gateway.sleep.SleepWatch;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

/**
 * Sleep when idle through the API, the router's access log and routes, the watch and Kafka: requests keep an
 * environment awake; one idle past its application's timeout sleeps (a pause naming the wake endpoint); a request
 * through the wake endpoint resumes it and is answered once it is READY, or gets the "waking up" page past the wait;
 * an environment a person paused is not woken; bad policies are refused saying what is accepted.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeRouterAdmin.class)
class SleepFlowTest {

    private static final String C1 = "d".repeat(40);

    @Inject
    SleepWatch watch;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    private static String readyPullRequest(TestBus bus, String appId, String repo) {
        String env = Apps.openPullRequest(repo, appId, C1);
        BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
        bus.publish(new BuildCompleted(env, build.workflowId(), C1, List.of(new ImageRef("web", "img/web:1", true)),
                Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://web-" + env + ".localhost")));
        Api.awaitState(env, "READY");
        return env;
    }

    private static Response wake(String env) {
        return RestAssured.given().header("X-Stagecraft-Environment", env).header("Host", "web-" + env + ".localhost")
                .get("/router/wake");
    }

    private static PauseRequested sleptAndPaused(TestBus bus, String env) {
        PauseRequested pause = (PauseRequested) bus.await(PauseRequested.class, env).data();
        bus.publish(new PauseSucceeded(env, pause.workflowId()));
        Api.awaitState(env, "PAUSED");
        return pause;
    }

    @Test
    void anIdleEnvironmentSleepsAndTheNextRequestWakesItAndIsAnswered() throws Exception {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        given().contentType("application/json").body("{\"idleAfter\": \"soon\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(400).body("message", containsString("is not an ISO-8601 duration"));
        given().contentType("application/json").body("{\"idleAfter\": \"PT1S\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(400).body("message", containsString("from PT5S to PT168H"));
        given().contentType("application/json").body("{\"after\": \"PT1H\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(400).body("message", containsString("the only field is idleAfter"));
        given().contentType("application/json").body("{\"idleAfter\": \"PT1H\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(200).body("sleepAfter", is("PT1H"));

        try (TestBus bus = new TestBus()) {
            String env = readyPullRequest(bus, appId, repo);
            FakeRouterAdmin.route(env, "web", "web-" + env + ".localhost", "shop-" + env + ".example.test");
            Instant start = Instant.now();

            // a request 50 minutes in (to the template's host name, with a port): 70 minutes in it is not idle yet
            FakeRouterAdmin.request("Shop-" + env + ".example.test:8080", start.plus(Duration.ofMinutes(50)));
            FakeRouterAdmin.request("web-someone-else.localhost", start.plus(Duration.ofMinutes(55)));
            assertEquals(0, watch.check(start.plus(Duration.ofMinutes(70))), "a request 20 minutes ago: awake");
            OffsetDateTime seen = OffsetDateTime.parse(Api.environment(env).getString("lastRequestAt"));
            assertEquals(start.plus(Duration.ofMinutes(50)).getEpochSecond(), seen.toEpochSecond());

            // an hour after that request with none since: asleep, its routes kept and pointed at the wake endpoint
            assertEquals(1, watch.check(start.plus(Duration.ofMinutes(111))));
            PauseRequested sleep = sleptAndPaused(bus, env);
            assertEquals("127.0.0.1:" + port, sleep.wakeUpstream(), "the router hands requests to this gateway");
            given().get("/api/environments/" + env).then().body("pausedBy", is("idle"))
                    .body("timeline.detail.action", hasItem("sleep"));

            // the first request waits up to the wake wait (3 s here) and gets the "waking up" page
            Response waiting = wake(env);
            assertEquals(503, waiting.statusCode(), waiting.asString());
            assertEquals("5", waiting.header("Retry-After"));
            assertTrue(waiting.asString().contains("is waking up"), waiting.asString());
            ResumeRequested resume = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            assertEquals(C1, resume.commit(), "it wakes with the commit it had");
            Api.awaitState(env, "RESUMING");

            // the next request is held until the environment is READY, then let through (204 to the router)
            CompletableFuture<Response> held = CompletableFuture.supplyAsync(() -> wake(env));
            Thread.sleep(500);
            assertTrue(!held.isDone(), "held while it resumes");
            bus.publish(new ResumeSucceeded(env, resume.workflowId(), Map.of("web", "http://web-" + env
                    + ".localhost")));
            assertEquals(204, held.get().statusCode(), held.get().asString());
            given().get("/api/environments/" + env).then().body("state", is("READY")).body("pausedBy", nullValue())
                    .body("timeline.detail.host", hasItem("web-" + env + ".localhost"))
                    .body("lastRequestAt", notNullValue());

            // the router handing a request back that comes here again: refused, no loop
            Response loop = RestAssured.given().header("X-Stagecraft-Environment", env)
                    .header("X-Stagecraft-Woken", env).get("/router/wake");
            assertEquals(502, loop.statusCode());
            assertEquals(404, wake("no-such-environment").statusCode());
            assertEquals(400, RestAssured.given().get("/router/wake").statusCode());

            // asleep again, then a person pauses it: a request no longer wakes it
            assertEquals(1, watch.check(Instant.now().plus(Duration.ofHours(2))));
            sleptAndPaused(bus, env);
            given().post("/api/environments/" + env + "/pause").then().statusCode(202);
            given().get("/api/environments/" + env).then().body("pausedBy", is("manual"));
            Response paused = wake(env);
            assertEquals(503, paused.statusCode());
            assertTrue(paused.asString().contains("paused by a person"), paused.asString());

            // still PAUSED (a person's resume is accepted), and the resume is the only one sent
            given().post("/api/environments/" + env + "/resume").then().statusCode(202);
            ResumeRequested byHand = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            assertTrue(bus.remaining(ResumeRequested.class, env).isEmpty(), "the request did not wake it");
            bus.publish(new ResumeSucceeded(env, byHand.workflowId(), Map.of()));
            Api.awaitState(env, "READY");
            // without a sleep policy nothing sleeps
            given().delete("/api/applications/" + appId + "/sleep").then().statusCode(200)
                    .body("sleepAfter", nullValue());
            assertEquals(0, watch.check(Instant.now().plus(Duration.ofDays(1))));
        }
    }

    @Test
    void aRequestToASleepingEnvironmentPastItsApplicationsLimitGetsAPageNamingTheLimitAndWakesNothing() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        given().contentType("application/json").body("{\"idleAfter\": \"PT1H\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(200);
        QuotaFlowTest.limits(appId, Map.of("maxRunningEnvironments", 1, "overflow", "queue"));
        try (TestBus bus = new TestBus()) {
            String asleep = QuotaFlowTest.open(repo, 31, C1);
            QuotaFlowTest.ready(bus, asleep);
            FakeRouterAdmin.route(asleep, "web", "web-" + asleep + ".localhost");
            assertEquals(1, watch.check(Instant.now().plus(Duration.ofHours(2))));
            sleptAndPaused(bus, asleep);

            // its sleep freed the slot, which another pull request takes
            String other = QuotaFlowTest.open(repo, 32, C1);
            QuotaFlowTest.ready(bus, other);

            // a request for the sleeping one: a page saying why, and no resume
            Response refused = wake(asleep);
            assertEquals(503, refused.statusCode(), refused.asString());
            assertTrue(refused.asString().contains("Cannot wake") && refused.asString().contains("limit"),
                    refused.asString());
            given().get("/api/environments/" + asleep).then().body("state", is("PAUSED")).body("pausedBy", is("idle"))
                    .body("timeline.detail.action", not(hasItem("wake")));
            assertTrue(bus.remaining(ResumeRequested.class, asleep).isEmpty(), "nothing was resumed");

            // once the other one is closing (no longer holding a slot), the next request wakes it
            QuotaFlowTest.close(repo, 32);
            Api.awaitState(other, "TEARING_DOWN");
            assertEquals(503, wake(asleep).statusCode(), "the wake wait (3 s) passes while it resumes");
            ResumeRequested resume = (ResumeRequested) bus.await(ResumeRequested.class, asleep).data();
            assertEquals(C1, resume.commit());
        }
    }

    @Test
    void anApplicationOnKubernetesCannotSleepItsEnvironments() {
        String appId = Apps.registered(Apps.uniqueRepo(), Apps.TWO_SERVICES, Map.of("runtime", "kubernetes"))
                .getString("id");
        given().contentType("application/json").body("{\"idleAfter\": \"PT30M\"}").put("/api/applications/" + appId
                + "/sleep").then().statusCode(409).body("message", containsString("needs the router in front of the"
                        + " docker runtime"));
        assertNotNull(appId);
    }
}
