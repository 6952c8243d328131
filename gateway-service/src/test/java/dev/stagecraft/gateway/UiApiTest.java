package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.EnvironmentActionRequested;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class UiApiTest {

    private static final String C1 = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    private static final String C2 = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

    @Test
    void anEnvironmentIsCreatedForABranchThroughTheApiWithTheActorRecorded() {
        String app = Apps.register(Apps.uniqueRepo());
        try (TestBus bus = new TestBus()) {
            String env = given().contentType("application/json")
                    .body(Map.of("application", app, "branch", "feature/login", "commit", C1))
                    .post("/api/environments").then().statusCode(201).body("kind", is("EPHEMERAL"))
                    .body("branch", is("feature/login")).extract().path("id");
            assertEquals(C1, ((BuildRequested) bus.await(BuildRequested.class, env).data()).commit());
            JsonPath view = given().get("/api/environments/" + env).then().extract().jsonPath();
            Map<String, String> action = view.getMap("timeline.find { it.type == "
                    + "'dev.stagecraft.environment.action-requested.v1' }.detail");
            assertEquals("create", action.get("action"));
            assertEquals("http", action.get("via"));
            assertTrue(action.get("actor").startsWith("token:"), "the token's name is the actor: " + action);
        }
        given().contentType("application/json").body(Map.of("application", app, "branch", "feature/login",
                "commit", C1)).post("/api/environments").then().statusCode(409)
                .body("message", containsString("already has environment"));
        given().contentType("application/json").body(Map.of("application", "no-such-app", "branch", "main"))
                .post("/api/environments").then().statusCode(404).body("message", containsString("no-such-app"));
        given().contentType("application/json").body(Map.of("application", app))
                .post("/api/environments").then().statusCode(400).body("message", containsString("branch is required"));
        given().contentType("application/json").body(Map.of("application", app, "branch", "x", "commit", "abc"))
                .post("/api/environments").then().statusCode(400).body("message", containsString("40-character"));
    }

    @Test
    void actionsFromTheUiTopicAreCarriedOutLikeHttpCallsAndRefusedOnesAnswered() throws InterruptedException {
        String app = Apps.register(Apps.uniqueRepo());
        try (TestBus bus = new TestBus()) {
            bus.publish(new EnvironmentActionRequested(null, null, "create", "alice", app, "topic-branch", C1, null));
            String env = awaitEnvironmentOf(app);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals(C1, build.commit());

            String before = given().get("/api/environments/" + env).then().extract().path("expiresAt");
            bus.publish(new EnvironmentActionRequested(env, null, "extend", "bob", null, null, null, "PT2H"));
            String after = awaitChange(env, "expiresAt", before);
            assertNotEquals(before, after);
            List<Map<String, String>> actions = given().get("/api/environments/" + env).then().extract().jsonPath()
                    .getList("timeline.findAll { it.type == 'dev.stagecraft.environment.action-requested.v1' }.detail");
            assertEquals(List.of("alice", "bob"), actions.stream().map(a -> a.get("actor")).toList());
            assertEquals("kafka:stagecraft-ui", actions.get(1).get("via"),
                    "the principal the broker lets write UI commands");

            // refused exactly like HTTP refuses: a setup while the build runs
            CloudEvent setup = bus.publish(EnvironmentActionRequested.on(env, "setup", "carol"));
            EnvironmentActionRejected refused = (EnvironmentActionRejected) bus.await(EnvironmentActionRejected.class,
                    env).data();
            assertEquals(setup.id(), refused.commandId());
            assertEquals(409, refused.status());
            assertEquals("workflow_running", refused.error());
            assertEquals("carol", refused.actor());

            CloudEvent unknown = bus.publish(EnvironmentActionRequested.on("no-such-env", "delete", "dave"));
            EnvironmentActionRejected notFound = (EnvironmentActionRejected) bus.await(EnvironmentActionRejected.class,
                    "no-such-env").data();
            assertEquals(unknown.id(), notFound.commandId());
            assertEquals(404, notFound.status());
            assertTrue(notFound.message().contains("no-such-env"), notFound.message());

            bus.publish(EnvironmentActionRequested.on(env, "reboot", "erin"));
            EnvironmentActionRejected badAction = (EnvironmentActionRejected) bus.await(EnvironmentActionRejected.class,
                    env).data();
            assertTrue(badAction.message().contains("[create, deploy, setup, approve, extend, pause, resume, delete]"),
                    badAction.message());
            bus.publish(EnvironmentActionRequested.on(env, "delete", " "));
            assertTrue(((EnvironmentActionRejected) bus.await(EnvironmentActionRejected.class, env).data()).message()
                    .contains("actor is required"));

            var garbage = new ProducerRecord<String, String>(Topics.UI_COMMANDS, env, "{not json");
            garbage.headers().add("ce_id", "garbage-1".getBytes(StandardCharsets.UTF_8));
            garbage.headers().add("ce_subject", env.getBytes(StandardCharsets.UTF_8));
            garbage.headers().add("ce_type", "dev.stagecraft.environment.action-requested.v1"
                    .getBytes(StandardCharsets.UTF_8));
            bus.send(garbage);
            EnvironmentActionRejected malformed = (EnvironmentActionRejected) bus.await(EnvironmentActionRejected.class,
                    env).data();
            assertEquals("malformed_command", malformed.error());
            assertEquals("garbage-1", malformed.commandId());
            given().get("/api/environments/" + env).then().body("state", is("BUILDING"));

            CloudEvent badCreate = bus.publish(new EnvironmentActionRequested(null, null, "create", "gina",
                    "no-such-app", "main", C2, null));
            EnvironmentActionRejected createRefused = (EnvironmentActionRejected) bus.await(
                    EnvironmentActionRejected.class,
                    e -> badCreate.id().equals(((EnvironmentActionRejected) e.data()).commandId())).data();
            assertEquals(404, createRefused.status(), "a create naming no application");

            // delete through the topic, the same rule as DELETE
            bus.publish(EnvironmentActionRequested.on(env, "delete", "frank"));
            awaitChange(env, "state", "BUILDING");
            given().get("/api/environments/" + env).then().body("state", is("TEARING_DOWN"));
        }
    }

    private static String awaitEnvironmentOf(String app) {
        return Api.awaitBody("/api/environments?application=" + app, ids -> !ids.getList("id").isEmpty())
                .getString("[0].id");
    }

    private static String awaitChange(String env, String field, String before) {
        return Api.awaitBody("/api/environments/" + env, e -> !java.util.Objects.equals(e.getString(field), before))
                .getString(field);
    }
}
