package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class GitHubStatusTest {

    private static final String SHA = "c0ffee0000000000000000000000000000000001";

    /** A repository on GitHub ({@code owner/name}), its clone URL, and the application registered for it. */
    private record Repository(String name, String url, String app) {
    }

    private static Repository registeredRepository() {
        // the reporter reads from the latest offset: events sent before it has its partitions would pass it by
        TestBus.awaitGroupAssigned("stagecraft-gateway-github");
        String name = "team/" + UUID.randomUUID();
        String url = "https://github.com/" + name + ".git";
        return new Repository(name, url, Apps.register(url));
    }

    private static List<FakeGitHub.Request> await(String repository, Predicate<List<FakeGitHub.Request>> done) {
        return Awaitility.await("GitHub gets the expected requests").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> FakeGitHub.of(repository), done);
    }

    private static long count(List<FakeGitHub.Request> requests, String method, String pathSuffix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().endsWith(pathSuffix)).count();
    }

    @Test
    void aPullRequestGetsCommitStatusesAndOneCommentEditedInPlace() throws InterruptedException {
        Repository github = registeredRepository();
        String repository = github.name();
        String url = github.url();
        int number = Hooks.fixture("pull_request-opened.json").get("number").asInt();
        String statuses = "/repos/" + repository + "/statuses/" + SHA;
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(url, github.app(), SHA);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildStarted(env, build.workflowId(), SHA));
            List<FakeGitHub.Request> sofar = await(repository, r -> count(r, "POST", "/statuses/" + SHA) == 1
                    && count(r, "POST", "/issues/" + number + "/comments") == 1);
            FakeGitHub.Request pending = sofar.stream().filter(r -> r.path().equals(statuses)).findFirst().orElseThrow();
            assertEquals("pending", pending.body().path("state").asText());
            assertEquals("building c0ffee0", pending.body().path("description").asText());
            assertEquals("stagecraft/" + env, pending.body().path("context").asText());
            FakeGitHub.Request comment = sofar.stream().filter(r -> r.method().equals("POST")
                    && r.path().endsWith("/comments")).findFirst().orElseThrow();
            assertTrue(comment.body().path("body").asText().contains("**State:** BUILDING"),
                    comment.body().toString());

            bus.publish(new BuildCompleted(env, build.workflowId(), SHA,
                    List.of(new ImageRef("web", "registry.test/web:1", true), new ImageRef("api", "registry.test/api:1",
                            true)), Map.of()));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            bus.publish(new SetupStarted(env, setup.workflowId()));
            await(repository, r -> count(r, "POST", "/statuses/" + SHA) == 2);

            // GitHub fails twice: the environment is ready at once, the status arrives on the third attempt
            FakeGitHub.FAIL_NEXT.set(2);
            bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:4100",
                    "api", "http://127.0.0.1:4101")));
            given().get("/api/environments/" + env).then().extract().path("state");
            List<FakeGitHub.Request> ready = await(repository, r -> r.stream().anyMatch(x -> x.path().equals(statuses)
                    && x.body().path("state").asText().equals("success"))
                    && count(r, "PATCH", "") == 1);
            FakeGitHub.Request success = ready.stream().filter(x -> x.path().equals(statuses)
                    && x.body().path("state").asText().equals("success")).findFirst().orElseThrow();
            assertEquals("http://127.0.0.1:4100", success.body().path("target_url").asText());
            assertTrue(ready.stream().anyMatch(x -> x.path().endsWith("(failed)")), "the failures happened: " + ready);
            FakeGitHub.Request edited = ready.stream().filter(x -> x.method().equals("PATCH")).findFirst().orElseThrow();
            String text = edited.body().path("body").asText();
            assertTrue(text.contains("**State:** READY") && text.contains("| web | http://127.0.0.1:4100 |"), text);
            String commentPath = edited.path();

            Hooks.send("pull_request", Hooks.forRepository("pull_request-closed.json", url)).statusCode(202);
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            bus.publish(new TeardownStarted(env, teardown.workflowId()));
            bus.publish(new TeardownSucceeded(env, teardown.workflowId(), List.of()));
            List<FakeGitHub.Request> all = await(repository, r -> r.stream().anyMatch(x -> x.method().equals("PATCH")
                    && x.body().path("body").asText().contains("**Deleted.**")));
            assertEquals(1, count(all, "POST", "/issues/" + number + "/comments"), "one comment, never re-posted");
            assertTrue(all.stream().filter(x -> x.method().equals("PATCH")).allMatch(x -> x.path().equals(commentPath)),
                    "every edit is of the same comment: " + all);
        }
    }

    /**
     * With a limit of one running environment: the second pull request's comment says it is QUEUED and where, and moves
     * up when the one ahead of it leaves; with evict, the evicted pull request's comment says why and how to resume.
     */
    @Test
    void aQueuedPullRequestsCommentGivesItsPositionAndAnEvictedOnesSaysWhy() {
        TestBus.awaitGroupAssigned("stagecraft-gateway-github");
        String repository = "team/" + UUID.randomUUID();
        String url = "https://github.com/" + repository + ".git";
        String appId = Apps.registered(url, Apps.TWO_SERVICES, Map.of()).getString("id");
        given().contentType("application/json").body(Map.of("maxRunningEnvironments", 1, "overflow", "queue"))
                .put("/api/applications/" + appId + "/limits").then().statusCode(200);
        try (TestBus bus = new TestBus()) {
            String first = open(url, 11);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, first).data();
            bus.publish(new BuildCompleted(first, build.workflowId(), SHA, List.of(new ImageRef("web", "img/web:1",
                    true)), Map.of()));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, first).data();
            bus.publish(new SetupSucceeded(first, setup.workflowId(), Map.of("web", "http://127.0.0.1:4100")));
            Api.awaitState(first, "READY");
            String second = open(url, 12);
            String third = open(url, 13);
            await(repository, r -> r.stream().anyMatch(x -> x.path().endsWith("/issues/13/comments")
                    && x.body().path("body").asText().contains("QUEUED · position 2")));
            assertTrue(FakeGitHub.of(repository).stream().anyMatch(x -> x.path().endsWith("/issues/12/comments")
                    && x.body().path("body").asText().contains("**State:** QUEUED · position 1")), second);

            given().contentType("application/json").body(Map.of("maxRunningEnvironments", 1, "overflow", "evict"))
                    .put("/api/applications/" + appId + "/limits").then().statusCode(200);
            Hooks.send("pull_request", pullRequest("pull_request-closed.json", url, 13)).statusCode(202);
            Api.awaitState(third, "DELETED");
            // the first is READY and the least recently used: a new pull request evicts it (the second stays queued)
            Hooks.send("pull_request", pullRequest("pull_request-closed.json", url, 12)).statusCode(202);
            Api.awaitState(second, "DELETED");
            String fourth = open(url, 14);
            bus.await(BuildRequested.class, fourth);
            await(repository, r -> r.stream().anyMatch(x -> x.method().equals("PATCH")
                    && x.body().path("body").asText().contains("**Evicted:** Paused to make room for environment "
                            + fourth)
                    && x.body().path("body").asText().contains("stagecraft envs resume " + first)));
        }
    }

    private static ObjectNode pullRequest(String fixture, String url, int number) {
        ObjectNode pr = Hooks.pullRequest(fixture, url, SHA);
        pr.put("number", number);
        ((ObjectNode) pr.get("pull_request")).put("number", number);
        ((ObjectNode) pr.get("pull_request").get("head")).put("ref", "feature-" + number);
        return pr;
    }

    private static String open(String url, int number) {
        return Hooks.send("pull_request", pullRequest("pull_request-opened.json", url, number)).statusCode(202)
                .extract().path("environment");
    }

    @Test
    void aPullRequestClosedWhileItsDeliveryWasLostIsTornDownOnTheNextDelivery() throws InterruptedException {
        Repository github = registeredRepository();
        String repository = github.name();
        int number = Hooks.fixture("pull_request-opened.json").get("number").asInt();
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(github.url(), github.app());
            await(repository, r -> count(r, "GET", "/pulls/" + number) == 1);

            // the pull request is closed on GitHub, and the closing delivery never arrives
            FakeGitHub.CLOSED.add("/repos/" + repository + "/pulls/" + number);
            ObjectNode push = Hooks.forRepository("push.json", github.url());
            push.put("ref", "refs/heads/unrelated");
            Hooks.send("push", push).statusCode(202);
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertTrue(teardown.reason().contains("pull request #" + number + " is closed on GitHub"),
                    teardown.reason());
            given().get("/api/environments/" + env).then().body("state", org.hamcrest.Matchers.is("TEARING_DOWN"));
        }
    }

    @Test
    void aGitLabMergeRequestMergedWhileItsDeliveryWasLostIsTornDownOnTheNextDelivery() throws InterruptedException {
        String path = "group/sub/" + UUID.randomUUID();
        String url = "https://gitlab.example.test/" + path + ".git";
        given().contentType("application/json").body(Map.of("name", "app-" + UUID.randomUUID().toString()
                .substring(0, 8), "repository", Map.of("url", url, "provider", "gitlab"), "webhookSecret",
                Hooks.SECRET, "template", Apps.TWO_SERVICES)).post("/api/applications").then().statusCode(201);
        ObjectNode open = (ObjectNode) Hooks.fixtureAt(java.nio.file.Path.of(
                "../../shared/fixtures/webhooks/gitlab/merge_request-open.json"));
        ((ObjectNode) open.get("project")).put("git_http_url", url).remove(List.of("web_url", "git_ssh_url",
                "http_url", "url", "homepage"));
        open.remove("repository");
        String mergeRequest = "/gitlab/projects/" + path.replace("/", "%2F") + "/merge_requests/1";
        try (TestBus bus = new TestBus()) {
            gitlab(open);
            String env = given().get("/api/deliveries").then().extract().path("find { it.provider == 'gitlab' && "
                    + "it.repository != null && it.environmentId != null && it.action == 'open' && "
                    + "it.id.startsWith('gitlab:" + lastGitLabDelivery + "') }.environmentId");
            bus.await(BuildRequested.class, env);
            FakeGitHub.CLOSED.add(mergeRequest);
            ((ObjectNode) open.get("object_attributes")).put("action", "update");
            gitlab(open);
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertTrue(teardown.reason().contains("pull request #1 is closed on GitLab"), teardown.reason());
            assertTrue(FakeGitHub.REQUESTS.stream().anyMatch(r -> r.path().equals(mergeRequest)));
        }
    }

    private static String lastGitLabDelivery;

    private static void gitlab(ObjectNode payload) {
        lastGitLabDelivery = UUID.randomUUID().toString();
        given().contentType("application/json").header("X-Gitlab-Event", "Merge Request Hook")
                .header("X-Gitlab-Token", Hooks.SECRET).header("X-Gitlab-Event-UUID", lastGitLabDelivery)
                .body(dev.stagecraft.events.cloudevents.EventJson.write(payload)).post("/webhooks/gitlab").then()
                .statusCode(202);
    }
}
