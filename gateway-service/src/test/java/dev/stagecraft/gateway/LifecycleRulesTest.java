package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class LifecycleRulesTest {

    /** Sends {@code opened} and returns the environment it made, which waits for a deployer's approval. */
    private static String openAwaitingApproval(ObjectNode opened, String app) {
        Hooks.send("pull_request", opened).statusCode(202).body("outcome", is("accepted"));
        String env = Api.environmentOf(app);
        given().get("/api/environments/" + env).then().body("awaitingApproval", is(true));
        return env;
    }

    @Test
    void aPullRequestFromAForkBuildsNothingUntilApproved() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        ObjectNode opened = Hooks.forRepository("pull_request-opened.json", repo);
        ((ObjectNode) opened.get("pull_request").get("head").get("repo")).put("full_name", "stranger/fork");
        try (TestBus bus = new TestBus()) {
            String env = openAwaitingApproval(opened, app);
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "nothing is built");

            String head = opened.get("pull_request").get("head").get("sha").asText();
            given().post("/api/environments/" + env + "/approve").then().statusCode(400)
                    .body("error", is("commit_required")).body("message", containsString(head));
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "an approval without a commit is none");
            given().contentType("application/json").body("{\"commit\": \"" + head.substring(0, 10) + "\"}")
                    .post("/api/environments/" + env + "/approve").then().statusCode(202);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals(head, build.commit());
            given().contentType("application/json").body("{\"commit\": \"" + head + "\"}")
                    .post("/api/environments/" + env + "/approve").then().statusCode(409)
                    .body("message", containsString("not a fork's pull request awaiting approval"));

            // approval is for one commit: a later push to the fork waits for a deployer again
            ObjectNode pushed = opened.deepCopy();
            pushed.put("action", "synchronize");
            ((ObjectNode) pushed.get("pull_request").get("head")).put("sha", "f".repeat(40));
            Hooks.send("pull_request", pushed).statusCode(202);
            given().get("/api/environments/" + env).then().body("awaitingApproval", is(true))
                    .body("desiredCommit", is("f".repeat(40)));
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env),
                    "the fork's new commit is not built without approval");
            // the deployer reviewed the first commit; the push landed meanwhile: not approved unseen
            given().contentType("application/json").body("{\"commit\": \"" + head + "\"}")
                    .post("/api/environments/" + env + "/approve").then().statusCode(409)
                    .body("error", is("commit_changed")).body("message", containsString("f".repeat(40)));
            given().get("/api/environments/" + env).then().body("awaitingApproval", is(true));
            given().contentType("application/json").body("{\"commit\": \"" + "f".repeat(40) + "\"}")
                    .post("/api/environments/" + env + "/approve").then().statusCode(202);
            given().get("/api/environments/" + env).then().body("awaitingApproval", is(false));
        }
    }

    /** A pull_request payload that does not say which repository its head is in is treated as a fork's. */
    @Test
    void aHeadOfUnknownOriginIsTreatedAsAFork() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        ObjectNode opened = Hooks.forRepository("pull_request-opened.json", repo);
        ((ObjectNode) opened.get("pull_request").get("head")).remove("repo");
        try (TestBus bus = new TestBus()) {
            String env = openAwaitingApproval(opened, app);
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(BuildRequested.class, env), "nothing is built");
        }
    }

    @Test
    void withAutoDeployOffPullRequestsGetNoEnvironment() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo, "auto_deploy: false\n" + Apps.TWO_SERVICES);
        Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", repo)).statusCode(202)
                .body("outcome", is("ignored")).body("reason", containsString("auto_deploy is off"));
        given().queryParam("application", app).get("/api/environments").then().body("size()", is(0));
    }

    @Test
    void aPushToTheTrackingBranchMakesAPermanentEnvironment() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo, "tracking_branch: main\n" + Apps.TWO_SERVICES);
        ObjectNode push = Hooks.forRepository("push-branch-commits.json", repo);
        push.put("ref", "refs/heads/main");
        try (TestBus bus = new TestBus()) {
            Hooks.send("push", push).statusCode(202).body("outcome", is("accepted"));
            String env = given().queryParam("application", app).get("/api/environments").then()
                    .body("[0].kind", is("PERMANENT")).body("[0].branch", is("main")).body("[0].expiresAt",
                            org.hamcrest.Matchers.nullValue()).extract().path("[0].id");
            assertEquals(push.get("after").asText(), ((BuildRequested) bus.await(BuildRequested.class, env).data())
                    .commit());
            push.put("ref", "refs/heads/feature");
            Hooks.send("push", push).statusCode(202).body("outcome", is("ignored"));
        }
    }

    @Test
    void withALabelConfiguredOnlyLabelledPullRequestsGetAnEnvironmentAndRemovingItTearsDown() {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo, Apps.TWO_SERVICES, Map.of("pullRequestLabel", "preview"));
        given().get("/api/applications").then().body("find { it.name == '" + app + "' }.pullRequestLabel",
                is("preview"));

        ObjectNode opened = Hooks.forRepository("pull_request-opened.json", repo);
        Hooks.send("pull_request", opened).statusCode(202).body("outcome", is("ignored"))
                .body("reason", containsString("does not carry the label 'preview'"));
        given().queryParam("application", app).get("/api/environments").then().body("size()", is(0));

        ObjectNode labeled = Hooks.forRepository("pull_request-labeled.json", repo);
        labeled.put("number", opened.get("number").asInt());
        ((ObjectNode) labeled.get("pull_request")).set("head", opened.get("pull_request").get("head").deepCopy());
        ((ObjectNode) labeled.get("label")).put("name", "preview");
        ((ObjectNode) labeled.get("pull_request").get("labels").get(0)).put("name", "preview");
        try (TestBus bus = new TestBus()) {
            Hooks.send("pull_request", labeled).statusCode(202).body("outcome", is("accepted"));
            String env = given().queryParam("application", app).get("/api/environments").then()
                    .body("size()", is(1)).extract().path("[0].id");
            bus.await(BuildRequested.class, env);

            ObjectNode unlabeled = labeled.deepCopy();
            unlabeled.put("action", "unlabeled");
            ((ObjectNode) unlabeled.get("pull_request")).putArray("labels");
            Hooks.send("pull_request", unlabeled).statusCode(202).body("outcome", is("accepted"));
            given().get("/api/environments/" + env).then().body("state", is("TEARING_DOWN"));
            TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
            assertEquals("pull request #" + opened.get("number").asInt() + " no longer carries the label 'preview'",
                    teardown.reason());
        }
    }

    @Test
    void aLabelIsRefusedForBitbucketWhosePullRequestsHaveNone() {
        given().contentType("application/json").body(Map.of("name", "app-" + UUID.randomUUID().toString().substring(0, 8),
                "repository", Map.of("url", Apps.uniqueRepo(), "provider", "bitbucket"), "webhookSecret", Hooks.SECRET,
                "template", Apps.TWO_SERVICES, "pullRequestLabel", "preview")).post("/api/applications").then()
                .statusCode(400).body("message", containsString("Bitbucket pull requests have no labels"));
    }

    @Test
    void anApplicationChoosesItsRuntimeAndItsEnvironmentsCarryTheChoice() {
        String repo = Apps.uniqueRepo();
        JsonPath chosen = Apps.registered(repo, Apps.TWO_SERVICES, Map.of("runtime", "kubernetes"));
        assertEquals("kubernetes", chosen.getString("runtime"));
        assertEquals("docker", Apps.registered(Apps.uniqueRepo(), Apps.TWO_SERVICES, Map.of()).getString("runtime"),
                "an application that names no runtime gets the default");
        String app = chosen.getString("name");
        try (TestBus bus = new TestBus()) {
            Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", repo)).statusCode(202);
            String env = Api.environmentOf(app);
            assertEquals("kubernetes", ((BuildRequested) bus.await(BuildRequested.class, env).data()).spec().runtime());
            given().delete("/api/environments/" + env).then().statusCode(202);
            assertEquals("kubernetes", ((TeardownRequested) bus.await(TeardownRequested.class, env).data()).runtime());
        }
        given().contentType("application/json").body(Map.of("name", "app-" + UUID.randomUUID().toString()
                .substring(0, 8), "repository", Map.of("url", Apps.uniqueRepo()), "webhookSecret", Hooks.SECRET,
                "template", Apps.TWO_SERVICES, "runtime", "nomad")).post("/api/applications").then().statusCode(400)
                .body("message", containsString("runtime 'nomad' is not available in this installation; accepted: "
                        + "[docker, kubernetes]"));
    }
}
