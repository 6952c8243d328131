package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import dev.stagecraft.gateway.auth.ApiToken;
import dev.stagecraft.gateway.auth.BootstrapToken;
import dev.stagecraft.gateway.auth.Role;
import io.quarkus.narayana.jta.QuarkusTransaction;

import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class AuthTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    BootstrapToken bootstrap;

    @Inject
    EntityManager em;

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root.toString()).resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String role) {
        return given().contentType("application/json").body(Map.of("name", role + " for tests", "role", role))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
    }

    @Test
    void withoutAValidTokenTheApiAnswers401() throws Exception {
        HttpResponse<String> none = call("GET", "api/environments", null, null);
        assertEquals(401, none.statusCode());
        assertTrue(none.body().contains("Authorization: Bearer"), none.body());
        assertEquals(401, call("GET", "api/environments", "sc_not-a-token", null).statusCode());
    }

    @Test
    void eachRoleMayDoWhatItCoversAndNoMore() throws Exception {
        String viewer = token("viewer");
        String deployer = token("deployer");
        assertEquals(200, call("GET", "api/environments", viewer, null).statusCode());
        HttpResponse<String> refused = call("POST", "api/environments/x/deploy", viewer, "{}");
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("needs the deployer role"), refused.body());
        assertEquals(404, call("POST", "api/environments/x/deploy", deployer, "{}").statusCode(),
                "a deployer gets through to the missing environment");
        assertEquals(403, call("POST", "api/applications", deployer, "{}").statusCode(), "registering needs admin");
        assertEquals(403, call("GET", "api/tokens", deployer, null).statusCode());
        HttpResponse<String> outbox = call("GET", "api/admin/outbox", deployer, null);
        assertEquals(403, outbox.statusCode(), "the shared admin routes need admin");
        assertTrue(outbox.body().contains("needs the admin role"), outbox.body());
        assertEquals(200, given().get("/api/admin/outbox").then().extract().statusCode());
    }

    @Test
    void tokensAreShownOnceStoredHashedAndRevocable() throws Exception {
        String secret = token("viewer");
        assertTrue(secret.startsWith("sc_"));
        String listed = given().get("/api/tokens").then().statusCode(200).extract().asString();
        assertTrue(!listed.contains(secret) && !listed.contains("tokenHash"), listed);
        String id = given().get("/api/tokens").then().extract()
                .path("find { it.role == 'VIEWER' }.id");
        given().delete("/api/tokens/" + id).then().statusCode(204);
        given().contentType("application/json").body(Map.of("name", "x", "role", "owner")).post("/api/tokens").then()
                .statusCode(400).body("message", containsString("viewer, deployer, admin"));
    }

    /** A token limited to an application sees and acts on that one only; the others look as if they did not exist. */
    @Test
    void aTokenLimitedToAnApplicationSeesAndActsOnThatApplicationOnly() throws Exception {
        String repoA = Apps.uniqueRepo();
        String repoB = Apps.uniqueRepo();
        String appA = Apps.register(repoA);
        String appB = Apps.register(repoB);
        Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", repoA)).statusCode(202);
        Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", repoB)).statusCode(202);
        String envA = given().queryParam("application", appA).get("/api/environments").then().extract().path("[0].id");
        String envB = given().queryParam("application", appB).get("/api/environments").then().extract().path("[0].id");

        String scoped = given().contentType("application/json").body(Map.of("name", "team a", "role", "deployer",
                "applications", java.util.List.of(appA))).post("/api/tokens").then().statusCode(201)
                .body("applications", org.hamcrest.Matchers.contains(appA)).extract().path("token");
        String listed = call("GET", "api/environments?limit=1000", scoped, null).body();
        assertTrue(listed.contains(envA) && !listed.contains(envB), listed);
        assertEquals(200, call("GET", "api/environments/" + envA, scoped, null).statusCode());
        HttpResponse<String> hidden = call("GET", "api/environments/" + envB, scoped, null);
        assertEquals(404, hidden.statusCode());
        assertTrue(hidden.body().contains("no environment with id '" + envB + "'"), hidden.body());
        assertEquals(404, call("GET", "api/environments/" + envB + "/timeline", scoped, null).statusCode());
        assertEquals(404, call("POST", "api/environments/" + envB + "/deploy", scoped, "{}").statusCode(),
                "no action on another application's environment");
        assertEquals(404, call("GET", "api/environments?application=" + appB, scoped, null).statusCode());
        assertEquals(404, call("POST", "api/environments", scoped, "{\"application\":\"" + appB
                + "\",\"branch\":\"main\"}").statusCode());
        String apps = call("GET", "api/applications?limit=1000", scoped, null).body();
        assertTrue(apps.contains(appA) && !apps.contains(appB), apps);
        assertEquals(404, call("GET", "api/applications/" + appB, scoped, null).statusCode());
        String deliveries = call("GET", "api/deliveries?limit=1000", scoped, null).body();
        String all = given().queryParam("limit", 1000).get("/api/deliveries").then().extract().asString();
        assertTrue(all.contains(envA) && all.contains(envB), "an unlimited token sees both deliveries: " + all);
        assertTrue(deliveries.contains(envA) && !deliveries.contains(envB), deliveries);
        String workflowA = given().get("/api/environments/" + envA).then().extract().path("activeWorkflow");
        String workflowB = given().get("/api/environments/" + envB).then().extract().path("activeWorkflow");
        assertEquals(200, call("GET", "api/workflows/" + workflowA, scoped, null).statusCode());
        assertEquals(404, call("GET", "api/workflows/" + workflowB, scoped, null).statusCode(),
                "another application's workflow");
        assertEquals(404, call("GET", "api/workflows/" + workflowB + "/logs", scoped, null).statusCode());
        // a stream's status only: a stream that opened would never end
        HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(root.toString()).resolve("api/environments/" + envB + "/events"))
                .header("Authorization", "Bearer " + scoped).build(), HttpResponse.BodyHandlers.ofInputStream());
        stream.body().close();
        assertEquals(404, stream.statusCode(), "another application's event stream");

        given().contentType("application/json").body(Map.of("name", "x", "role", "viewer", "applications",
                java.util.List.of("no-such-app"))).post("/api/tokens").then().statusCode(400)
                .body("message", containsString("no application named [no-such-app]"));
        given().contentType("application/json").body(Map.of("name", "x", "role", "admin", "applications",
                java.util.List.of(appA))).post("/api/tokens").then().statusCode(400)
                .body("message", containsString("an admin token cannot be limited"));
    }

    /** Once another admin exists, revoking the bootstrap token is final: a restart does not bring it back. */
    @Test
    void aRevokedBootstrapTokenStaysRevoked() throws Exception {
        String bootstrapSecret = Api.ADMIN_TOKEN;
        String admin = token("admin");
        assertEquals(204, call("DELETE", "api/tokens/" + BootstrapToken.ID, admin, null).statusCode());
        try {
            bootstrap.ensure(); // what a restart with STAGECRAFT_ADMIN_TOKEN still set does
            assertEquals(401, call("GET", "api/environments", bootstrapSecret, null).statusCode(),
                    "the revoked bootstrap token came back");
            assertEquals(200, call("GET", "api/environments", admin, null).statusCode());
        } finally {
            restoreBootstrap();
        }
        assertEquals(200, call("GET", "api/environments", bootstrapSecret, null).statusCode());
    }

    /** Revoking the bootstrap token is final even when it was the last admin token: no restart brings it back. */
    @Test
    void revokingTheLastAdminTokenIsFinalToo() throws Exception {
        String bootstrapSecret = Api.ADMIN_TOKEN;
        try {
            assertEquals(204, call("DELETE", "api/tokens/" + BootstrapToken.ID, bootstrapSecret, null).statusCode());
            bootstrap.ensure();
            assertEquals(401, call("GET", "api/environments", bootstrapSecret, null).statusCode(),
                    "the revoked bootstrap token came back once no admin was left");
        } finally {
            restoreBootstrap();
        }
    }

    /** What an operator who lost every admin token does: the other tests use the bootstrap token. */
    private void restoreBootstrap() {
        QuarkusTransaction.requiringNew().run(() -> {
            ApiToken.delete("role", Role.ADMIN);
            em.createNativeQuery("delete from bootstrap_admin").executeUpdate();
        });
        bootstrap.ensure();
    }

    @Test
    void webhooksAndHealthNeedNoToken() throws Exception {
        assertEquals(400, call("POST", "webhooks/github", null, "{}").statusCode(), "refused for its headers, not 401");
        assertEquals(200, call("GET", "q/health/ready", null, null).statusCode());
        assertEquals(401, call("GET", "api/deliveries", null, null).statusCode(), "but the delivery list does");
    }
}
