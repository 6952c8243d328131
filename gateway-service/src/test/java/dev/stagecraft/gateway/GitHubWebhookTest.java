package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class GitHubWebhookTest {

    @Test
    void everyGitHubFixtureGetsAnAnswerAndARecordedOutcome() throws IOException {
        for (String repo : List.of("https://github.com/Codertocat/Hello-World.git",
                "https://github.com/Octocoders/Hello-World.git", "https://github.com/bradrydzewski/drone-test-go.git",
                "https://github.com/ailisp/gcbapp-buildconfig-example.git")) {
            Apps.register(repo);
        }
        Map<String, String> events = Map.ofEntries(Map.entry("delete-branch.json", "delete"),
                Map.entry("ping.json", "ping"), Map.entry("pull_request-closed-merged.json", "pull_request"),
                Map.entry("pull_request-closed.json", "pull_request"),
                Map.entry("pull_request-labeled.json", "pull_request"),
                Map.entry("pull_request-opened.json", "pull_request"),
                Map.entry("pull_request-reopened.json", "pull_request"),
                Map.entry("pull_request-synchronize.json", "pull_request"),
                Map.entry("push-branch-commits.json", "push"), Map.entry("push-new-branch.json", "push"),
                Map.entry("push.json", "push"));
        try (Stream<java.nio.file.Path> files = Files.list(Hooks.FIXTURES)) {
            assertEquals(events.keySet(), files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "every fixture is covered");
        }
        Map<String, String> deliveries = new java.util.HashMap<>();
        for (var e : events.entrySet()) {
            byte[] body = Files.readAllBytes(Hooks.FIXTURES.resolve(e.getKey()));
            String delivery = UUID.randomUUID().toString();
            deliveries.put(e.getKey(), "github:" + delivery);
            Hooks.send(e.getValue(), body, delivery).statusCode(202)
                    .body("outcome", anyOf(equalTo("accepted"), equalTo("ignored")));
            given().get("/api/deliveries").then().body("id", hasItem("github:" + delivery));
        }
        given().get("/api/deliveries").then()
                .body("find { it.event == 'push' && it.reason != null && it.reason.contains('refs/tags/simple-tag') }.outcome",
                        is("IGNORED"))
                // a label added to a pull request is acted on like an update (the label trigger decides what it does)
                .body("find { it.id == '" + deliveries.get("pull_request-labeled.json") + "' }.outcome",
                        is("ACCEPTED"));
    }

    @Test
    void aBadSignatureIsRefusedAndNothingIsStored() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        byte[] body = EventJson.write(Hooks.forRepository("pull_request-opened.json", repo)).getBytes(StandardCharsets.UTF_8);
        String delivery = UUID.randomUUID().toString();
        given().contentType("application/json").header("X-GitHub-Event", "pull_request")
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", "sha256=" + "0".repeat(64)).body(body)
                .post("/webhooks/github").then().statusCode(401).body("error", is("bad_signature"));
        given().contentType("application/json").header("X-GitHub-Event", "pull_request")
                .header("X-GitHub-Delivery", UUID.randomUUID().toString()).body(body)
                .post("/webhooks/github").then().statusCode(401).body("message", containsString("missing"));
        given().get("/api/deliveries").then().body("id", not(hasItem("github:" + delivery)));
        given().queryParam("application", app).get("/api/environments").then().body("size()", is(0));

        // a repository nobody registered: answered, not stored, counted
        String unknown = UUID.randomUUID().toString();
        Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", Apps.uniqueRepo()), unknown)
                .statusCode(202).body("outcome", is("ignored")).body("reason", containsString("no application"));
        given().get("/api/deliveries").then().body("id", not(hasItem("github:" + unknown)));
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(refused(metrics, "bad_signature") >= 2, metrics);
        assertTrue(refused(metrics, "unknown_repository") >= 1, metrics);
    }

    private static double refused(String metrics, String reason) {
        return metrics.lines().filter(l -> l.startsWith("stagecraft_webhook_refused_total{")
                && l.contains("provider=\"github\"") && l.contains("reason=\"" + reason + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void malformedWrongTypeAndOversizedBodiesAreRefusedWithAReason() {
        Hooks.send("push", "{not json".getBytes(StandardCharsets.UTF_8)).statusCode(400)
                .body("error", is("malformed_json"));
        given().contentType("text/plain").header("X-GitHub-Event", "push").header("X-GitHub-Delivery", "d-415")
                .body("hello").post("/webhooks/github").then().statusCode(415)
                .body("message", containsString("application/json"));
        given().contentType("application/json").header("X-GitHub-Delivery", "d-no-event").body("{}")
                .post("/webhooks/github").then().statusCode(400).body("message", containsString("X-GitHub-Event"));
        byte[] huge = ("{\"pad\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        Hooks.send("push", huge).statusCode(413);
    }

    @Test
    void theSameDeliveryTwiceStartsOneWorkflow() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        ObjectNode opened = Hooks.forRepository("pull_request-opened.json", repo);
        String delivery = UUID.randomUUID().toString();
        try (TestBus bus = new TestBus()) {
            Hooks.send("pull_request", opened, delivery).statusCode(202).body("outcome", is("accepted"));
            Hooks.send("pull_request", opened, delivery).statusCode(200).body("outcome", is("duplicate"));
            java.util.List<Map<String, Object>> rows = given().get("/api/deliveries").then().statusCode(200).extract()
                    .jsonPath().getList("findAll { it.id.startsWith('github:" + delivery + "') }");
            assertEquals(2, rows.size(), "the first delivery and its duplicate are both listed: " + rows);
            assertEquals(java.util.Set.of("ACCEPTED", "DUPLICATE"),
                    rows.stream().map(r -> r.get("outcome")).collect(java.util.stream.Collectors.toSet()));
            String env = given().queryParam("application", app).get("/api/environments").then()
                    .body("size()", is(1)).extract().path("[0].id");
            bus.await(BuildRequested.class, env);
            Api.awaitMarker(bus, env);
            assertEquals(java.util.List.of(), bus.remaining(BuildRequested.class, env),
                    "the duplicate delivery requested no second build");
        }
    }

    @Test
    void invalidApplicationsAreRefusedNamingTheProblem() {
        given().contentType("application/json").body(Map.of("name", "Bad Name", "repository", Map.of("url", "https://x/y"),
                "webhookSecret", Hooks.SECRET, "template", Apps.TWO_SERVICES))
                .post("/api/applications").then().statusCode(400).body("message", containsString("name"));
        given().contentType("application/json").body(Map.of("name", "broken-template", "repository",
                Map.of("url", "https://x/y"), "webhookSecret", Hooks.SECRET, "template", "services:\n- name: Web\n"))
                .post("/api/applications").then().statusCode(422).body("error", is("invalid_template"))
                .body("details[0].path", is("services[0].name"));
        given().get("/api/environments/does-not-exist").then().statusCode(404)
                .body("message", containsString("does-not-exist"));
        given().contentType("application/json").body("{}").post("/api/environments/nope/deploy").then().statusCode(404);
    }
}
