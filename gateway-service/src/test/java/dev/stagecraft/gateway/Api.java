package dev.stagecraft.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.EnvironmentActionRequested;
import dev.stagecraft.events.testing.TestBus;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/** Requests as the test profile's bootstrap admin; AuthTest checks what happens without a token. */
final class Api {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    private Api() {
    }

    static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    /** Waits until {@code path} answers 200 with a body {@code condition} accepts, and returns that body. */
    static JsonPath awaitBody(String path, Predicate<JsonPath> condition) {
        AtomicReference<JsonPath> body = new AtomicReference<>();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    body.set(given().get(path).then().statusCode(200).extract().jsonPath());
                    assertTrue(condition.test(body.get()), path + " did not reach the expected state: "
                            + body.get().prettify());
                });
        return body.get();
    }

    /** The environment's view as GET /api/environments/{id} answers it. */
    static JsonPath environment(String id) {
        return given().get("/api/environments/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Waits until the environment's view is one {@code condition} accepts, and returns it. */
    static JsonPath awaitEnvironment(String id, Predicate<JsonPath> condition) {
        return awaitBody("/api/environments/" + id, condition);
    }

    /** Waits until the environment is in {@code state}, and returns its view. */
    static JsonPath awaitState(String id, String state) {
        return awaitEnvironment(id, e -> state.equals(e.getString("state")));
    }

    /** The id of the newest environment of the application named (or with the id) {@code app}. */
    static String environmentOf(String app) {
        return given().queryParam("application", app).get("/api/environments").then().statusCode(200).extract()
                .path("[0].id");
    }

    /**
     * Marks a point in an environment's history: asks for a UI action the gateway refuses (it changes nothing) and
     * waits for the refusal. Whatever the gateway sent the environment before is on the broker once the refusal is,
     * so {@link TestBus#remaining} then shows what an earlier input caused.
     */
    static void awaitMarker(TestBus bus, String environmentId) {
        String command = bus.publish(EnvironmentActionRequested.on(environmentId, "mark", "test")).id();
        bus.await(EnvironmentActionRejected.class, e -> command.equals(((EnvironmentActionRejected) e.data())
                .commandId()));
    }
}
