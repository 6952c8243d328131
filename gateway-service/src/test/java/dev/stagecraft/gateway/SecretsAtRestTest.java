package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.secrets.Resealing;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.messaging.SecretsProducer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Webhook secrets and secret variables rest sealed, and a key rotation moves every one of them to the new key. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class SecretsAtRestTest {

    @Inject
    SecretBox secrets;

    @Inject
    Resealing resealing;

    @Test
    void webhookSecretsAndVariablesRestSealedAndARotationResealsThemAll() {
        String repo = Apps.uniqueRepo();
        String appId = given().contentType("application/json")
                .body(Map.of("name", "sealed-" + UUID.randomUUID().toString().substring(0, 8), "repository",
                        Map.of("url", repo), "webhookSecret", Hooks.SECRET, "template", Apps.TWO_SERVICES,
                        "environmentVariables", "defaults:\n- key: DB_PASSWORD\n  value: hunter2\n  secret: true\n"))
                .post("/api/applications").then().statusCode(201).extract().path("id");
        ObjectNode payload = Hooks.forRepository("pull_request-opened.json", repo);
        Hooks.send("pull_request", payload).statusCode(202); // the signature is checked against the opened secret
        String envId = given().queryParam("application", appId).get("/api/environments").then().extract()
                .path("[0].id");

        Application stored = QuarkusTransaction.requiringNew().call(() -> Application.findById(appId));
        assertTrue(stored.webhookSecret.startsWith("enc:v2:" + secrets.keyId() + ":"), "webhook secret at rest");
        assertFalse(stored.webhookSecret.contains(Hooks.SECRET));
        assertEquals(Hooks.SECRET, secrets.open(stored.webhookSecret));

        byte[] bytes = new byte[32];
        bytes[31] = 9;
        String newKey = Base64.getEncoder().encodeToString(bytes);
        SecretBox rotated = SecretBox.fromBase64(newKey, List.of(SecretsProducer.DEVELOPMENT_KEY));
        SecretBox newOnly = SecretBox.fromBase64(newKey);
        try {
            Resealing.Result result = resealing.run(rotated);
            assertEquals(rotated.keyId(), result.keyId());
            assertTrue(result.webhookSecrets() >= 1 && result.applicationVariables() >= 1 && result.environments() >= 1,
                    result.toString());
            Application after = QuarkusTransaction.requiringNew().call(() -> Application.findById(appId));
            Environment env = QuarkusTransaction.requiringNew().call(() -> Environment.findById(envId));
            assertEquals(Hooks.SECRET, newOnly.open(after.webhookSecret), "opens without the old key");
            assertTrue(newOnly.open(after.environmentVariables).contains("hunter2"));
            assertEquals(List.of("hunter2"), newOnly.openAll(env.spec), "the frozen spec's secret value");
            assertFalse(env.spec.contains(secrets.keyId() + ":"), "no value left under the old key");
            assertEquals(new Resealing.Result(rotated.keyId(), 0, 0, 0), resealing.run(rotated),
                    "a second run finds nothing to do");
        } finally {
            // the other tests of this application run with the development key
            resealing.run(SecretBox.fromBase64(SecretsProducer.DEVELOPMENT_KEY, List.of(newKey)));
        }
        given().post("/api/admin/secrets/reseal").then().statusCode(200)
                .body("keyId", org.hamcrest.Matchers.is(secrets.keyId()));
        Hooks.send("pull_request", Hooks.forRepository("pull_request-closed.json", repo)).statusCode(202);
    }

    /**
     * A value for configuration (a git host's token) is sealed by the admin route, and an old seal comes back under
     * the current key. That the gateway opens a sealed host token is shown where it is used: FakeGitHub configures
     * the GitHub token sealed and refuses every call without the clear one (GitHubStatusTest).
     */
    @Test
    void aConfigurationValueIsSealedByTheAdminRouteAndHostTokensMayRestSealed() {
        String sealed = given().contentType("application/json").body(Map.of("value", "ghp_clear-token"))
                .post("/api/admin/secrets/seal").then().statusCode(200)
                .body("keyId", org.hamcrest.Matchers.is(secrets.keyId())).extract().path("sealed");
        assertTrue(sealed.startsWith("enc:v2:" + secrets.keyId() + ":"), sealed);
        assertEquals("ghp_clear-token", secrets.open(sealed));
        String again = given().contentType("application/json").body(Map.of("value", sealed))
                .post("/api/admin/secrets/seal").then().statusCode(200).extract().path("sealed");
        assertEquals("ghp_clear-token", secrets.open(again), "a sealed value is sealed again, not twice");
        given().contentType("application/json").body("{}").post("/api/admin/secrets/seal").then().statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("value is required"));
    }
}
