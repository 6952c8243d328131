package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.ExpiryWatch;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ExpiryTest {

    @Inject
    ExpiryWatch expiry;

    private static OffsetDateTime expiresAt(String env) {
        return OffsetDateTime.parse(given().get("/api/environments/" + env).then().extract().path("expiresAt"));
    }

    @Test
    void anEnvironmentThatExpiredWhileTheGatewayWasDownIsTornDownAtTheNextCheck() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(repo, app);
            bus.await(BuildRequested.class, env);
            OffsetDateTime createdPlus3Days = expiresAt(env);
            assertTrue(Duration.between(OffsetDateTime.now(), createdPlus3Days).toHours() >= 71, "default TTL is 3 days");

            QuarkusTransaction.requiringNew().run(() -> Environment.update("expiresAt = ?1 where id = ?2",
                    OffsetDateTime.now().minusHours(5), env));
            expiry.tearDownExpired();
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertTrue(teardown.reason().startsWith("expired at "), teardown.reason());
            given().get("/api/environments/" + env).then().body("state", org.hamcrest.Matchers.is("TEARING_DOWN"));
        }
    }

    @Test
    void extendingPushesTheExpiryBackButNotBeyondTheMaximum() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        String env = Apps.openPullRequest(repo, app);
        OffsetDateTime before = expiresAt(env);
        given().contentType("application/json").body(Map.of("by", "PT12H")).post("/api/environments/" + env + "/extend")
                .then().statusCode(200);
        assertEquals(Duration.ofHours(12), Duration.between(before, expiresAt(env)));

        given().contentType("application/json").body(Map.of("by", "P30D")).post("/api/environments/" + env + "/extend")
                .then().statusCode(200);
        long days = Duration.between(OffsetDateTime.now(), expiresAt(env)).toHours();
        assertTrue(days <= 7 * 24 && days >= 7 * 24 - 1, "capped at 7 days from now, was " + days + "h");

        given().contentType("application/json").body(Map.of("by", "tomorrow")).post("/api/environments/" + env
                + "/extend").then().statusCode(400).body("message", containsString("ISO-8601"));
        given().post("/api/environments/nope/extend").then().statusCode(404);
    }
}
