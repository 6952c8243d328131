package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

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
import dev.stagecraft.gateway.environments.PauseScheduler;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Pause schedules through the API, the scheduler and Kafka: an application's schedule pauses its READY pull request
 * environment in a window and resumes it after; a person's resume inside a window holds until the window ends; an
 * environment's own "none" wins over the application's; bad schedules are refused saying what is accepted.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class PauseScheduleFlowTest {

    private static final String C1 = "c".repeat(40);
    /**
     * The test's moments, around the real time (a person's resume is judged at the real time): a window from an hour
     * before now to two hours after, in UTC; {@code NOW} in it, {@code AFTER} past it, {@code TOMORROW} in the next.
     */
    private static final Instant NOW = Instant.now();
    private static final Instant AFTER = NOW.plus(Duration.ofHours(3));
    private static final Instant TOMORROW = NOW.plus(Duration.ofDays(1));
    private static final Map<String, Object> WINDOW = Map.of("timezone", "UTC",
            "pauseAt", hhmm(NOW.minus(Duration.ofHours(1))), "resumeAt", hhmm(NOW.plus(Duration.ofHours(2))));

    private static String hhmm(Instant instant) {
        return DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC).format(instant);
    }

    @Inject
    PauseScheduler scheduler;

    private static String readyPullRequest(TestBus bus, String appId, String repo) {
        String env = Apps.openPullRequest(repo, appId, C1);
        BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
        bus.publish(new BuildCompleted(env, build.workflowId(), C1, List.of(new ImageRef("web", "img/web:1", true)),
                Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:1")));
        Api.awaitState(env, "READY");
        return env;
    }

    @Test
    void theApplicationsScheduleTakesItsEnvironmentsThroughTheNightAndAPersonCanOverrule() {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, Apps.TWO_SERVICES, Map.of()).getString("id");
        given().contentType("application/json").body(Map.of("timezone", "Mars/Olympus", "weekendsOnly", true))
                .put("/api/applications/" + appId + "/pause-schedule").then().statusCode(400)
                .body("message", containsString("is not known; use an IANA name"));
        given().contentType("application/json").body(WINDOW).put("/api/applications/" + appId + "/pause-schedule")
                .then().statusCode(200).body("pauseSchedule.pauseAt", is(WINDOW.get("pauseAt")));
        try (TestBus bus = new TestBus()) {
            String env = readyPullRequest(bus, appId, repo);
            given().get("/api/environments/" + env).then().body("pauseScheduleFrom", is("application"))
                    .body("pauseSchedule.timezone", is("UTC"));

            scheduler.check(AFTER);
            scheduler.check(NOW);
            PauseRequested pause = (PauseRequested) bus.await(PauseRequested.class, env).data();
            assertEquals(C1, pause.commit());
            bus.publish(new PauseSucceeded(env, pause.workflowId()));
            Api.awaitState(env, "PAUSED");
            given().get("/api/environments/" + env).then().body("pausedBy", is("schedule"));

            scheduler.check(AFTER);
            ResumeRequested resume = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            bus.publish(new ResumeSucceeded(env, resume.workflowId(), Map.of("web", "http://127.0.0.1:1")));
            Api.awaitState(env, "READY");

            // the next window: paused again; a person resumes it; the schedule leaves it running in that window
            scheduler.check(TOMORROW);
            PauseRequested again = (PauseRequested) bus.await(PauseRequested.class, env).data();
            bus.publish(new PauseSucceeded(env, again.workflowId()));
            Api.awaitState(env, "PAUSED");
            given().post("/api/environments/" + env + "/resume").then().statusCode(202);
            ResumeRequested byHand = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            bus.publish(new ResumeSucceeded(env, byHand.workflowId(), Map.of("web", "http://127.0.0.1:1")));
            Api.awaitState(env, "READY");
            assertEquals(0, scheduler.check(NOW.plus(Duration.ofMinutes(1))), "resumed by a person inside the window:"
                    + " left running");
            assertEquals(1, scheduler.check(TOMORROW.plus(Duration.ofMinutes(1))), "in the next window it pauses");
            PauseRequested next = (PauseRequested) bus.await(PauseRequested.class, env).data();
            bus.publish(new PauseSucceeded(env, next.workflowId()));
            Api.awaitState(env, "PAUSED");
            given().post("/api/environments/" + env + "/resume").then().statusCode(202);
            ResumeRequested byHandAgain = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            bus.publish(new ResumeSucceeded(env, byHandAgain.workflowId(), Map.of("web", "http://127.0.0.1:1")));
            Api.awaitState(env, "READY");

            // its own "none" wins over the application's schedule
            given().contentType("application/json").body("{\"none\": true}")
                    .put("/api/environments/" + env + "/pause-schedule").then().statusCode(200)
                    .body("pauseScheduleFrom", is("environment")).body("pauseSchedule", nullValue());
            assertEquals(0, scheduler.check(TOMORROW.plus(Duration.ofDays(1))));
            given().delete("/api/environments/" + env + "/pause-schedule").then().statusCode(200)
                    .body("pauseScheduleFrom", is("application"));

            // paused by the schedule, which is then removed: the next check resumes what it paused
            assertEquals(1, scheduler.check(NOW.plus(Duration.ofDays(2))));
            PauseRequested third = (PauseRequested) bus.await(PauseRequested.class, env).data();
            bus.publish(new PauseSucceeded(env, third.workflowId()));
            Api.awaitState(env, "PAUSED");
            given().delete("/api/applications/" + appId + "/pause-schedule").then().statusCode(200)
                    .body("pauseSchedule", nullValue());
            assertEquals(1, scheduler.check(NOW.plus(Duration.ofDays(2)).plus(Duration.ofMinutes(1))));
            ResumeRequested afterRemoval = (ResumeRequested) bus.await(ResumeRequested.class, env).data();
            bus.publish(new ResumeSucceeded(env, afterRemoval.workflowId(), Map.of("web", "http://127.0.0.1:1")));
            Api.awaitState(env, "READY");
            given().contentType("application/json").body(WINDOW).put("/api/applications/" + appId + "/pause-schedule")
                    .then().statusCode(200);

            given().post("/api/environments/" + env + "/pause").then().statusCode(202);
            PauseRequested manual = (PauseRequested) bus.await(PauseRequested.class, env).data();
            bus.publish(new PauseSucceeded(env, manual.workflowId()));
            Api.awaitState(env, "PAUSED");
            assertEquals(0, scheduler.check(AFTER.plus(Duration.ofDays(3))), "a person's pause is not the schedule's"
                    + " to resume");
            given().get("/api/environments/" + env).then().body("pausedBy", is("manual"));
        }
    }
}
