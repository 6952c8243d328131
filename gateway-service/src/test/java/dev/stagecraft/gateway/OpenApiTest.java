package dev.stagecraft.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The OpenAPI document the UI is built against describes every route, without a token. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class OpenApiTest {

    @Test
    void everyRouteIsDescribed() {
        Map<String, Object> paths = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath().getMap("paths");
        for (String path : List.of("/api/applications", "/api/applications/{id}", "/api/applications/{id}/template",
                "/api/environments", "/api/environments/{id}", "/api/environments/{id}/deploy",
                "/api/environments/{id}/setup", "/api/environments/{id}/approve", "/api/environments/{id}/extend",
                "/api/environments/{id}/pause", "/api/environments/{id}/resume", "/api/environments/{id}/pause-schedule",
                "/api/applications/{id}/pause-schedule", "/api/applications/{id}/sleep", "/router/wake",
                "/api/applications/{id}/limits",
                "/api/environments/{id}/events", "/api/environments/{id}/timeline", "/api/events", "/api/workflows/{id}", "/api/workflows/{id}/logs",
                "/api/workflows/{id}/logs/stream", "/api/me", "/api/stream-tickets",
                "/api/deliveries", "/api/datasets", "/api/datasets/{name}", "/api/tokens", "/api/admin/secrets/reseal", "/webhooks/github", "/webhooks/gitlab", "/webhooks/bitbucket")) {
            assertTrue(paths.containsKey(path), path + " is in the OpenAPI document; it has " + paths.keySet());
        }
    }
}
