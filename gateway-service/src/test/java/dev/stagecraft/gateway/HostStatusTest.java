package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.status.ExpiryWarnings;
import dev.stagecraft.gateway.webhooks.HmacSignature;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Status on every host: GitLab's commit statuses and merge request note, Bitbucket Cloud's build statuses and pull
 * request comment, GitHub's deployments, and the warning before an environment expires, each checked request by
 * request against {@link FakeGitHub}.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class HostStatusTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/webhooks");
    private static final String GITLAB_SHA = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
    private static final String BITBUCKET_SHA = "507a576e59b3000000000000000000000000beef";
    private static final String GITHUB_SHA = "c0ffee0000000000000000000000000000000002";
    private static final Map<String, String> ENDPOINTS = Map.of("web", "http://127.0.0.1:4100", "api",
            "http://127.0.0.1:4101");

    @Inject
    ExpiryWarnings expiryWarnings;

    private static List<FakeGitHub.Request> await(String prefix, Predicate<List<FakeGitHub.Request>> done) {
        return Awaitility.await("the host gets the expected requests").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> FakeGitHub.under(prefix), done);
    }

    private static List<FakeGitHub.Request> matching(List<FakeGitHub.Request> requests, String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    private static void register(String url, String provider) {
        // the reporter reads from the latest offset: events sent before it has its partitions would pass it by
        TestBus.awaitGroupAssigned("stagecraft-gateway-github");
        given().contentType("application/json").body(Map.of("name", "app-" + UUID.randomUUID().toString()
                .substring(0, 8), "repository", Map.of("url", url, "provider", provider), "webhookSecret",
                Hooks.SECRET, "template", Apps.TWO_SERVICES)).post("/api/applications").then().statusCode(201);
    }

    /** Brings an environment whose build was requested to READY, as the stage services would. */
    private static void buildAndSetUp(TestBus bus, String env, String sha) {
        BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
        bus.publish(new BuildStarted(env, build.workflowId(), sha));
        bus.publish(new BuildCompleted(env, build.workflowId(), sha, List.of(new ImageRef("web", "registry.test/web:1",
                true), new ImageRef("api", "registry.test/api:1", true)), Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupStarted(env, setup.workflowId()));
        bus.publish(new SetupSucceeded(env, setup.workflowId(), ENDPOINTS));
    }

    private static void tearDown(TestBus bus, String env) {
        TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
        bus.publish(new TeardownStarted(env, teardown.workflowId()));
        bus.publish(new TeardownSucceeded(env, teardown.workflowId(), List.of()));
    }

    private static JsonNode json(String text) {
        try {
            return EventJson.mapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // GitLab

    private static ObjectNode mergeRequest(String url, String action) {
        ObjectNode hook = (ObjectNode) Hooks.fixtureAt(FIXTURES.resolve("gitlab/merge_request-open.json"));
        ((ObjectNode) hook.get("project")).put("git_http_url", url).remove(List.of("web_url", "git_ssh_url",
                "http_url", "url", "homepage"));
        hook.remove("repository");
        ((ObjectNode) hook.get("object_attributes")).put("action", action);
        return hook;
    }

    private static String gitlab(ObjectNode hook) {
        return given().contentType("application/json").header("X-Gitlab-Event", "Merge Request Hook")
                .header("X-Gitlab-Token", Hooks.SECRET).header("X-Gitlab-Event-UUID", UUID.randomUUID().toString())
                .body(EventJson.write(hook)).post("/webhooks/gitlab").then().statusCode(202).extract()
                .path("environment");
    }

    @Test
    void aGitLabMergeRequestGetsCommitStatusesAndOneNoteEditedInPlace() {
        String path = "group/sub/" + UUID.randomUUID();
        String url = "https://gitlab.example.test/" + path + ".git";
        String project = "/gitlab/projects/" + path.replace("/", "%2F");
        String statuses = project + "/statuses/" + GITLAB_SHA;
        String notes = project + "/merge_requests/1/notes";
        register(url, "gitlab");
        try (TestBus bus = new TestBus()) {
            String env = gitlab(mergeRequest(url, "open"));
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildStarted(env, build.workflowId(), GITLAB_SHA));

            List<FakeGitHub.Request> started = await(project, r -> matching(r, "POST", statuses).size() == 1
                    && matching(r, "POST", notes).size() == 1);
            FakeGitHub.Request running = matching(started, "POST", statuses).get(0);
            assertEquals(FakeGitHub.GITLAB_TOKEN, running.header("PRIVATE-TOKEN"));
            assertEquals("application/json", running.header("Content-Type"));
            assertEquals(json("{\"state\":\"running\",\"name\":\"stagecraft/" + env + "\","
                    + "\"description\":\"building da15608\"}"), running.body());
            FakeGitHub.Request note = matching(started, "POST", notes).get(0);
            assertEquals(FakeGitHub.GITLAB_TOKEN, note.header("PRIVATE-TOKEN"));
            assertEquals(List.of("body"), fieldNames(note.body()));
            assertTrue(note.body().path("body").asText().contains("**State:** BUILDING · commit `da15608`"),
                    note.body().toString());

            bus.publish(new BuildCompleted(env, build.workflowId(), GITLAB_SHA, List.of(new ImageRef("web",
                    "registry.test/web:1", true), new ImageRef("api", "registry.test/api:1", true)), Map.of()));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            // the setup's "running" finds the build's: GitLab refuses the transition, which is no failure
            bus.publish(new SetupStarted(env, setup.workflowId()));
            await(project, r -> matching(r, "POST", statuses + " (refused)").size() == 1);
            bus.publish(new SetupSucceeded(env, setup.workflowId(), ENDPOINTS));

            List<FakeGitHub.Request> ready = await(project, r -> matching(r, "POST", statuses).size() == 2
                    && r.stream().anyMatch(x -> x.method().equals("PUT")));
            assertEquals(json("{\"state\":\"success\",\"name\":\"stagecraft/" + env + "\",\"target_url\":"
                    + "\"http://127.0.0.1:4100\",\"description\":\"environment " + env + " is ready\"}"),
                    matching(ready, "POST", statuses).get(1).body());
            long noteId = ready.stream().filter(x -> x.method().equals("PUT")).findFirst().orElseThrow().path()
                    .transform(p -> Long.parseLong(p.replaceAll(".*/", "")));
            String edited = notes + "/" + noteId;
            FakeGitHub.Request put = matching(ready, "PUT", edited).get(0);
            assertEquals(FakeGitHub.GITLAB_TOKEN, put.header("PRIVATE-TOKEN"));
            String text = put.body().path("body").asText();
            assertTrue(text.contains("**State:** READY") && text.contains("| web | http://127.0.0.1:4100 |"), text);

            gitlab(mergeRequest(url, "close"));
            tearDown(bus, env);
            List<FakeGitHub.Request> all = await(project, r -> matching(r, "PUT", edited).stream()
                    .anyMatch(x -> x.body().path("body").asText().contains("**Deleted.**")));
            assertEquals(1, matching(all, "POST", notes).size(), "one note, never posted again");
            assertTrue(all.stream().filter(x -> x.method().equals("PUT")).allMatch(x -> x.path().equals(edited)),
                    "every edit is of the same note: " + all);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // Bitbucket Cloud

    private static byte[] pullRequestHook(String name) {
        ObjectNode hook = (ObjectNode) Hooks.fixtureAt(FIXTURES.resolve("bitbucket/pullrequest-created.json"));
        ((ObjectNode) hook.get("repository")).put("full_name", name).remove("links");
        ObjectNode pr = (ObjectNode) hook.get("pullrequest");
        ((ObjectNode) pr.get("source").get("repository")).put("full_name", name);
        ((ObjectNode) pr.get("destination").get("repository")).put("full_name", name);
        ((ObjectNode) pr.get("source").get("commit")).put("hash", BITBUCKET_SHA);
        return EventJson.write(hook).getBytes(StandardCharsets.UTF_8);
    }

    private static String bitbucket(String event, byte[] body) {
        return given().contentType("application/json").header("X-Event-Key", event)
                .header("X-Request-UUID", UUID.randomUUID().toString())
                .header("X-Hub-Signature", HmacSignature.sign(Hooks.SECRET, body)).body(body)
                .post("/webhooks/bitbucket").then().statusCode(202).extract().path("environment");
    }

    @Test
    void aBitbucketPullRequestGetsBuildStatusesAndOneCommentEditedInPlace() {
        String name = "team/" + UUID.randomUUID();
        String repository = "/bitbucket/repositories/" + name;
        String statuses = repository + "/commit/" + BITBUCKET_SHA + "/statuses/build";
        String comments = repository + "/pullrequests/1/comments";
        register("https://bitbucket.org/" + name + ".git", "bitbucket");
        try (TestBus bus = new TestBus()) {
            byte[] hook = pullRequestHook(name);
            String env = bitbucket("pullrequest:created", hook);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildStarted(env, build.workflowId(), BITBUCKET_SHA));

            List<FakeGitHub.Request> started = await(repository, r -> matching(r, "POST", statuses).size() == 1
                    && matching(r, "POST", comments).size() == 1);
            FakeGitHub.Request inProgress = matching(started, "POST", statuses).get(0);
            assertEquals("Bearer " + FakeGitHub.BITBUCKET_TOKEN, inProgress.header("Authorization"));
            assertEquals("application/json", inProgress.header("Content-Type"));
            String key = "stagecraft/" + env;
            assertTrue(key.length() <= 40, key);
            assertEquals(json("{\"key\":\"" + key + "\",\"state\":\"INPROGRESS\",\"url\":\"https://bitbucket.org/"
                    + name + "/commits/" + BITBUCKET_SHA + "\",\"name\":\"" + key + "\","
                    + "\"description\":\"building 507a576\"}"), inProgress.body());
            FakeGitHub.Request comment = matching(started, "POST", comments).get(0);
            assertEquals("Bearer " + FakeGitHub.BITBUCKET_TOKEN, comment.header("Authorization"));
            assertEquals(List.of("content"), fieldNames(comment.body()));
            assertEquals(List.of("raw"), fieldNames(comment.body().get("content")));
            assertTrue(comment.body().path("content").path("raw").asText().contains("**State:** BUILDING"),
                    comment.body().toString());

            bus.publish(new BuildFailed(env, build.workflowId(), BITBUCKET_SHA, "web", "web: npm ci failed",
                    List.of()));
            List<FakeGitHub.Request> failed = await(repository, r -> matching(r, "POST", statuses).size() == 2
                    && r.stream().anyMatch(x -> x.method().equals("PUT")));
            JsonNode failure = matching(failed, "POST", statuses).get(1).body();
            assertEquals("FAILED", failure.path("state").asText());
            assertEquals(key, failure.path("key").asText());
            assertTrue(failure.path("description").asText().contains("npm ci failed"), failure.toString());
            FakeGitHub.Request put = failed.stream().filter(x -> x.method().equals("PUT")).findFirst().orElseThrow();
            assertTrue(put.path().matches(java.util.regex.Pattern.quote(comments) + "/\\d+"), put.path());
            String text = put.body().path("content").path("raw").asText();
            assertTrue(text.contains("**State:** FAILED") && text.contains("npm ci failed"), text);

            bitbucket("pullrequest:rejected", hook);
            tearDown(bus, env);
            List<FakeGitHub.Request> all = await(repository, r -> matching(r, "PUT", put.path()).stream()
                    .anyMatch(x -> x.body().path("content").path("raw").asText().contains("**Deleted.**")));
            assertEquals(1, matching(all, "POST", comments).size(), "one comment, never posted again");
            assertTrue(all.stream().filter(x -> x.method().equals("PUT")).allMatch(x -> x.path().equals(put.path())),
                    "every edit is of the same comment: " + all);
            assertEquals(2, matching(all, "POST", statuses).size(), "a failed build is not reported again: " + all);
        }
    }

    @Test
    void aBuildThatATeardownStoppedEndsStoppedOnBitbucket() {
        String name = "team/" + UUID.randomUUID();
        String repository = "/bitbucket/repositories/" + name;
        String statuses = repository + "/commit/" + BITBUCKET_SHA + "/statuses/build";
        register("https://bitbucket.org/" + name + ".git", "bitbucket");
        try (TestBus bus = new TestBus()) {
            byte[] hook = pullRequestHook(name);
            String env = bitbucket("pullrequest:created", hook);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildStarted(env, build.workflowId(), BITBUCKET_SHA));
            await(repository, r -> matching(r, "POST", statuses).size() == 1);

            bitbucket("pullrequest:rejected", hook);
            tearDown(bus, env);
            List<FakeGitHub.Request> all = await(repository, r -> matching(r, "POST", statuses).size() == 2);
            JsonNode stopped = matching(all, "POST", statuses).get(1).body();
            assertEquals("STOPPED", stopped.path("state").asText());
            assertEquals("cancelled: environment " + env + " was torn down", stopped.path("description").asText());
        }
    }

    // GitHub deployments

    @Test
    void aGitHubEnvironmentIsOneDeploymentPerCommitWithItsStatuses() {
        TestBus.awaitGroupAssigned("stagecraft-gateway-github");
        String repository = "team/" + UUID.randomUUID();
        String url = "https://github.com/" + repository + ".git";
        String app = Apps.register(url);
        String deployments = "/repos/" + repository + "/deployments";
        int number = Hooks.fixture("pull_request-opened.json").get("number").asInt();
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(url, app, GITHUB_SHA);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildStarted(env, build.workflowId(), GITHUB_SHA));
            List<FakeGitHub.Request> started = await("/repos/" + repository + "/", r -> matching(r, "POST",
                    deployments).size() == 1 && r.stream().anyMatch(x -> x.path().matches(deployments
                    + "/\\d+/statuses")));
            FakeGitHub.Request created = matching(started, "POST", deployments).get(0);
            assertEquals("Bearer " + FakeGitHub.TOKEN, created.header("Authorization"));
            assertEquals("application/vnd.github+json", created.header("Accept"));
            assertEquals(json("{\"ref\":\"" + GITHUB_SHA + "\",\"environment\":\"" + app + "-pr-" + number + "\","
                    + "\"description\":\"Stagecraft environment " + env + "\",\"transient_environment\":true,"
                    + "\"production_environment\":false,\"auto_merge\":false,\"required_contexts\":[]}"),
                    created.body());
            String deploymentStatuses = started.stream().filter(x -> x.path().matches(deployments + "/\\d+/statuses"))
                    .findFirst().orElseThrow().path();
            assertEquals(json("{\"state\":\"in_progress\",\"description\":\"building c0ffee0\"}"),
                    matching(started, "POST", deploymentStatuses).get(0).body());

            // the same event read again finds its deployment
            bus.publish(new BuildStarted(env, build.workflowId(), GITHUB_SHA));
            await("/repos/" + repository + "/", r -> matching(r, "POST", deploymentStatuses).size() == 2);
            bus.publish(new BuildCompleted(env, build.workflowId(), GITHUB_SHA, List.of(new ImageRef("web",
                    "registry.test/web:1", true), new ImageRef("api", "registry.test/api:1", true)), Map.of()));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            bus.publish(new SetupStarted(env, setup.workflowId()));
            bus.publish(new SetupSucceeded(env, setup.workflowId(), ENDPOINTS));
            List<FakeGitHub.Request> ready = await("/repos/" + repository + "/", r -> matching(r, "POST",
                    deploymentStatuses).stream().anyMatch(x -> x.body().path("state").asText().equals("success")));
            assertEquals(json("{\"state\":\"success\",\"description\":\"environment " + env + " is ready\","
                    + "\"environment_url\":\"http://127.0.0.1:4100\"}"), matching(ready, "POST", deploymentStatuses)
                    .stream().filter(x -> x.body().path("state").asText().equals("success")).findFirst()
                    .orElseThrow().body());

            Hooks.send("pull_request", Hooks.forRepository("pull_request-closed.json", url)).statusCode(202);
            tearDown(bus, env);
            List<FakeGitHub.Request> all = await("/repos/" + repository + "/", r -> matching(r, "POST",
                    deploymentStatuses).stream().anyMatch(x -> x.body().path("state").asText().equals("inactive")));
            assertEquals(1, matching(all, "POST", deployments).size(), "one deployment of the commit: " + all);
            assertEquals(List.of("in_progress", "in_progress", "in_progress", "success", "inactive"),
                    matching(all, "POST", deploymentStatuses).stream().map(x -> x.body().path("state").asText())
                            .toList());
        }
    }

    // the warning before expiry

    @Test
    void aPullRequestCommentWarnsBeforeItsEnvironmentExpiresOnceAndAgainAfterAnExtend() {
        TestBus.awaitGroupAssigned("stagecraft-gateway-github");
        String repository = "team/" + UUID.randomUUID();
        String url = "https://github.com/" + repository + ".git";
        String app = Apps.register(url);
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(url, app, GITHUB_SHA);
            buildAndSetUp(bus, env, GITHUB_SHA);
            Predicate<FakeGitHub.Request> edit = x -> x.method().equals("PATCH");
            List<FakeGitHub.Request> ready = await("/repos/" + repository + "/", r -> r.stream().filter(edit)
                    .anyMatch(x -> x.body().path("body").asText().contains("**State:** READY")));
            assertFalse(ready.stream().filter(edit).anyMatch(x -> x.body().path("body").asText()
                    .contains("Expires soon")), "three days ahead, no warning");

            OffsetDateTime soon = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(90).truncatedTo(ChronoUnit.MINUTES);
            QuarkusTransaction.requiringNew().run(() -> Environment.update("expiresAt = ?1 where id = ?2", soon, env));
            expiryWarnings.warnBeforeExpiry();
            List<FakeGitHub.Request> warned = await("/repos/" + repository + "/", r -> r.stream().filter(edit)
                    .anyMatch(x -> x.body().path("body").asText().contains("Expires soon")));
            String text = warned.stream().filter(edit).filter(x -> x.body().path("body").asText()
                    .contains("Expires soon")).findFirst().orElseThrow().body().path("body").asText();
            String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(soon);
            assertTrue(text.contains("torn down at " + when), text);
            assertTrue(text.contains("`stagecraft envs extend " + env + "`")
                    && text.contains("`POST /api/environments/" + env + "/extend`"), text);

            // given once per expiry: a second check edits nothing
            long edits = FakeGitHub.of(repository).stream().filter(edit).count();
            expiryWarnings.warnBeforeExpiry();
            assertEquals(edits, FakeGitHub.of(repository).stream().filter(edit).count());

            // an extend beyond the window takes the warning out
            given().contentType("application/json").body(Map.of("by", "PT12H")).post("/api/environments/" + env
                    + "/extend").then().statusCode(200);
            expiryWarnings.warnBeforeExpiry();
            List<FakeGitHub.Request> extended = await("/repos/" + repository + "/", r -> r.stream().filter(edit)
                    .count() == edits + 1);
            String after = extended.stream().filter(edit).reduce((a, b) -> b).orElseThrow().body().path("body")
                    .asText();
            assertFalse(after.contains("Expires soon"), after);

            // and an expiry that comes near again is warned about again
            OffsetDateTime later = soon.plusMinutes(30);
            QuarkusTransaction.requiringNew().run(() -> Environment.update("expiresAt = ?1 where id = ?2", later, env));
            expiryWarnings.warnBeforeExpiry();
            List<FakeGitHub.Request> again = await("/repos/" + repository + "/", r -> r.stream().filter(edit)
                    .count() == edits + 2);
            String warnedAgain = again.stream().filter(edit).reduce((a, b) -> b).orElseThrow().body().path("body")
                    .asText();
            assertTrue(warnedAgain.contains("torn down at " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                    .format(later)), warnedAgain);
        }
    }
}
