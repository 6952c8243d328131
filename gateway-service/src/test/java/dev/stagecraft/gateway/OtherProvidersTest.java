package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.gateway.webhooks.HmacSignature;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/** GitLab and Bitbucket Cloud deliveries, normalised into the same environment changes as GitHub's. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class OtherProvidersTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/webhooks");

    private static void register(String url, String provider) {
        given().contentType("application/json").body(Map.of("name", "app-" + UUID.randomUUID().toString().substring(0, 8),
                "repository", Map.of("url", url, "provider", provider), "webhookSecret", Hooks.SECRET,
                "template", Apps.TWO_SERVICES)).post("/api/applications").then().statusCode(201);
    }

    private static ValidatableResponse gitlab(String event, byte[] body, String token, String uuid) {
        var request = given().contentType("application/json").header("X-Gitlab-Event", event).body(body);
        if (token != null) {
            request.header("X-Gitlab-Token", token);
        }
        if (uuid != null) {
            request.header("X-Gitlab-Event-UUID", uuid);
        }
        return request.post("/webhooks/gitlab").then();
    }

    private static ValidatableResponse bitbucket(String event, byte[] body, String signature, String uuid) {
        var request = given().contentType("application/json").header("X-Event-Key", event)
                .header("X-Request-UUID", uuid).body(body);
        if (signature != null) {
            request.header("X-Hub-Signature", signature);
        }
        return request.post("/webhooks/bitbucket").then();
    }

    private static String gitlabEvent(JsonFile f) {
        return switch (f.json.path("object_kind").asText()) {
            case "push" -> "Push Hook";
            case "tag_push" -> "Tag Push Hook";
            default -> "Merge Request Hook";
        };
    }

    private record JsonFile(String name, byte[] bytes, com.fasterxml.jackson.databind.JsonNode json) {
    }

    private static List<JsonFile> fixtures(String provider) throws IOException {
        try (Stream<Path> files = Files.list(FIXTURES.resolve(provider))) {
            return files.sorted().map(p -> {
                try {
                    byte[] bytes = Files.readAllBytes(p);
                    return new JsonFile(p.getFileName().toString(), bytes, EventJson.mapper().readTree(bytes));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void everyGitLabFixtureIsAuthenticatedByTokenAndGetsAnOutcome() throws IOException {
        for (String url : List.of("https://gitlab.com/gitlab-org/hello-world.git", "http://example.com/gitlabhq/gitlab-test.git",
                "http://10.40.8.5:3200/test/woodpecker.git", "http://example.com/mike/diaspora.git",
                "http://example.com/jsmith/example.git")) {
            register(url, "gitlab");
        }
        // a merge request closed or merged before it had an environment, a push to a branch no environment
        // follows and a tag are ignored; opening a merge request or pushing to one makes its environment
        Map<String, String> outcomes = Map.of("merge_request-close.json", "ignored", "merge_request-merge.json",
                "ignored", "merge_request-open.json", "accepted", "merge_request-update.json", "accepted",
                "push.json", "ignored", "tag_push.json", "ignored");
        List<JsonFile> files = fixtures("gitlab");
        assertEquals(outcomes.keySet(), new java.util.HashSet<>(files.stream().map(JsonFile::name).toList()));
        for (JsonFile f : files) {
            String uuid = UUID.randomUUID().toString();
            gitlab(gitlabEvent(f), f.bytes, Hooks.SECRET, uuid).statusCode(202)
                    .body("outcome", is(outcomes.get(f.name)));
            given().get("/api/deliveries").then().body("id", hasItem("gitlab:" + uuid));
            gitlab(gitlabEvent(f), f.bytes, Hooks.SECRET, uuid).statusCode(200).body("outcome", is("duplicate"));
        }
        JsonFile open = files.stream().filter(f -> f.name.equals("merge_request-open.json")).findFirst().orElseThrow();
        gitlab("Merge Request Hook", open.bytes, "wrong-token", UUID.randomUUID().toString()).statusCode(401)
                .body("message", containsString("X-Gitlab-Token does not match"));
        gitlab("Merge Request Hook", open.bytes, Hooks.SECRET, null).statusCode(400)
                .body("message", containsString("Idempotency-Key"));
    }

    @Test
    void aGitLabMergeRequestGetsAnEnvironmentAndMergingTearsItDown() {
        String repo = Apps.uniqueRepo();
        register(repo, "gitlab");
        ObjectNode open = (ObjectNode) Hooks.fixtureAt(FIXTURES.resolve("gitlab/merge_request-open.json"));
        ((ObjectNode) open.get("project")).put("git_http_url", repo).remove(List.of("web_url", "git_ssh_url", "http_url",
                "url", "homepage"));
        open.remove("repository");
        try (TestBus bus = new TestBus()) {
            gitlab("Merge Request Hook", EventJson.write(open).getBytes(StandardCharsets.UTF_8), Hooks.SECRET,
                    UUID.randomUUID().toString()).statusCode(202).body("outcome", is("accepted"));
            String env = given().get("/api/deliveries").then().extract()
                    .path("find { it.provider == 'gitlab' && it.environmentId != null && it.outcome == 'ACCEPTED' "
                            + "&& it.action == 'open' }.environmentId");
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals("da1560886d4f094c3e6c9ef40349f7d38b5d27d7", build.commit());
            assertEquals("ms-viewport", build.branch());

            ((ObjectNode) open.get("object_attributes")).put("action", "merge");
            gitlab("Merge Request Hook", EventJson.write(open).getBytes(StandardCharsets.UTF_8), Hooks.SECRET,
                    UUID.randomUUID().toString()).statusCode(202).body("environment", is(env));
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertEquals("pull request #1 was merged", teardown.reason());
        }
    }

    @Test
    void everyBitbucketFixtureIsVerifiedBySignatureAndAPullRequestLivesAndGoes() throws IOException {
        register("https://bitbucket.org/brydzewski/foo.git", "bitbucket");
        Map<String, String> events = Map.of("pullrequest-created.json", "pullrequest:created",
                "pullrequest-updated.json", "pullrequest:updated", "pullrequest-fulfilled.json", "pullrequest:fulfilled",
                "pullrequest-rejected.json", "pullrequest:rejected", "repo-push.json", "repo:push");
        // pull request #1 lives and is merged; nothing follows master, and #2 was declined before it had an environment
        Map<String, String> outcomes = Map.of("pullrequest-created.json", "accepted", "pullrequest-updated.json",
                "accepted", "repo-push.json", "ignored", "pullrequest-fulfilled.json", "accepted",
                "pullrequest-rejected.json", "ignored");
        List<JsonFile> files = fixtures("bitbucket");
        assertEquals(events.keySet(), new java.util.HashSet<>(files.stream().map(JsonFile::name).toList()));
        try (TestBus bus = new TestBus()) {
            for (String name : List.of("pullrequest-created.json", "pullrequest-updated.json", "repo-push.json",
                    "pullrequest-fulfilled.json", "pullrequest-rejected.json")) {
                JsonFile f = files.stream().filter(x -> x.name.equals(name)).findFirst().orElseThrow();
                bitbucket(events.get(name), f.bytes, "sha256=" + "0".repeat(64), UUID.randomUUID().toString())
                        .statusCode(401);
                bitbucket(events.get(name), f.bytes, HmacSignature.sign(Hooks.SECRET, f.bytes),
                        UUID.randomUUID().toString()).statusCode(202).body("outcome", is(outcomes.get(name)));
            }
            String env = given().get("/api/deliveries").then().extract()
                    .path("find { it.provider == 'bitbucket' && it.event == 'pullrequest:created' }.environmentId");
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals("507a576e59b3", build.commit(), "Bitbucket sends abbreviated hashes; the build resolves them");
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertEquals("pull request #1 was merged", teardown.reason());
        }
    }

    /**
     * A merge or pull request from another project, or whose payload does not name where its head comes from, gets an
     * environment that waits for a deployer's approval, on GitLab and on Bitbucket as on GitHub.
     */
    @Test
    void forksAndHeadsOfUnknownOriginWaitForApprovalOnGitLabAndBitbucket() throws IOException {
        List<java.util.function.Consumer<ObjectNode>> gitlabForks = List.of(
                attributes -> attributes.put("source_project_id", 999_999), // another project
                attributes -> attributes.remove("source_project_id")); // not named
        for (java.util.function.Consumer<ObjectNode> fork : gitlabForks) {
            String repo = Apps.uniqueRepo();
            register(repo, "gitlab");
            ObjectNode open = (ObjectNode) Hooks.fixtureAt(FIXTURES.resolve("gitlab/merge_request-open.json"));
            ((ObjectNode) open.get("project")).put("git_http_url", repo).remove(List.of("web_url", "git_ssh_url",
                    "http_url", "url", "homepage"));
            open.remove("repository");
            fork.accept((ObjectNode) open.get("object_attributes"));
            String env = gitlab("Merge Request Hook", EventJson.write(open).getBytes(StandardCharsets.UTF_8),
                    Hooks.SECRET, UUID.randomUUID().toString()).statusCode(202).body("outcome", is("accepted"))
                    .extract().path("environment");
            given().get("/api/environments/" + env).then().body("awaitingApproval", is(true))
                    .body("state", is("PENDING"));
        }

        String name = "team/" + UUID.randomUUID();
        register("https://bitbucket.org/" + name + ".git", "bitbucket");
        JsonFile created = fixtures("bitbucket").stream().filter(f -> f.name.equals("pullrequest-created.json"))
                .findFirst().orElseThrow();
        ObjectNode payload = (ObjectNode) EventJson.mapper().readTree(created.bytes);
        ((ObjectNode) payload.get("repository")).put("full_name", name).remove("links");
        ((ObjectNode) payload.get("pullrequest").get("source")).remove("repository"); // not named
        byte[] body = EventJson.write(payload).getBytes(StandardCharsets.UTF_8);
        String env = bitbucket("pullrequest:created", body, HmacSignature.sign(Hooks.SECRET, body),
                UUID.randomUUID().toString()).statusCode(202).body("outcome", is("accepted")).extract()
                .path("environment");
        given().get("/api/environments/" + env).then().body("awaitingApproval", is(true)).body("state", is("PENDING"));
    }
}
