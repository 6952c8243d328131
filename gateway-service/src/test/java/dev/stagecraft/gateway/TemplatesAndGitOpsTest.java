package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;


import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class TemplatesAndGitOpsTest {

    private static final String C1 = "a".repeat(40);
    private static final String C2 = "b".repeat(40);

    /** A pull request opened at C1 on an application registered for it with {@code template}. */
    private record Opened(String repo, String appId, String env) {
    }

    private static Opened openOnANewApplication(String template) {
        String repo = Apps.uniqueRepo();
        String appId = Apps.registered(repo, template, Map.of()).getString("id");
        return new Opened(repo, appId, Apps.openPullRequest(repo, appId, C1));
    }

    /** A pull request of a new application of two services, built and set up at C1: its environment is READY. */
    private static Opened readyOnANewApplication(TestBus bus) {
        Opened pr = openOnANewApplication(Apps.TWO_SERVICES);
        readyAt(bus, pr.env(), C1);
        return pr;
    }

    private static void readyAt(TestBus bus, String env, String commit) {
        BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
        assertEquals(commit, build.commit());
        bus.publish(new BuildCompleted(env, build.workflowId(), commit, List.of(new ImageRef("web", "img/web:1", true)),
                Map.of()));
        SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
        bus.publish(new SetupSucceeded(env, setup.workflowId(), Map.of("web", "http://127.0.0.1:1")));
        Api.awaitState(env, "READY");
    }

    @Test
    void aComposeFileIsAcceptedAndItsGeneratedTemplateShown() throws IOException {
        String compose = Files.readString(Path.of("../../shared/fixtures/compose/nginx-golang-postgres.compose.yaml"));
        String id = Apps.registered(Apps.uniqueRepo(), compose, Map.of()).getString("id");
        given().get("/api/applications/" + id).then().body("templateFormat", is("compose"))
                .body("services", is(List.of("backend", "db", "proxy")))
                .body("warnings.message", hasItem(containsString("bind mount of './proxy/nginx.conf'")));
        String generated = given().get("/api/applications/" + id + "/template").then().statusCode(200)
                .header("X-Stagecraft-Template-Format", "compose").extract().asString();
        assertTrue(generated.contains("- services.db"), generated);
        assertTrue(generated.contains("pg_isready"), generated);
    }

    /**
     * A compose file's values are interpolated with the application's variables; an error the compiler finds in the
     * template made from it is answered at the compose file's own line, as is a required variable left unset.
     */
    @Test
    void aComposeFilesVariablesAreInterpolatedAndItsErrorsShownAtItsOwnLines() {
        String compose = """
                services:
                  web:
                    image: "nginx:${TAG:-latest}"
                    expose:
                    - "${WEB_PORT}"
                """;
        String id = Apps.registered(Apps.uniqueRepo(), compose, Map.of("environmentVariables",
                "defaults:\n- key: TAG\n  value: '1.25'\n- key: WEB_PORT\n  value: '8080'\n")).getString("id");
        String generated = given().get("/api/applications/" + id + "/template").then().statusCode(200).extract()
                .asString();
        assertTrue(generated.contains("image: nginx:1.25") && generated.contains("port: '8080'"), generated);

        Map<String, Object> refused = new java.util.HashMap<>(Map.of("name", "refused-" + java.util.UUID.randomUUID()
                .toString().substring(0, 8), "repository", Map.of("url", Apps.uniqueRepo()), "webhookSecret",
                Hooks.SECRET, "template", compose.replace("${TAG:-latest}", "${TAG:?set TAG}")));
        given().contentType("application/json").body(refused).post("/api/applications").then().statusCode(422)
                .body("details[0].file", is("compose.yaml")).body("details[0].line", is(3))
                .body("details[0].message", containsString("required variable TAG is not set: set TAG"));
        refused.put("environmentVariables", "defaults:\n- key: TAG\n  value: '1'\n- key: WEB_PORT\n  value: http\n");
        given().contentType("application/json").body(refused).post("/api/applications").then().statusCode(422)
                .body("details[0].file", is("compose.yaml")).body("details[0].line", is(5))
                .body("details[0].path", is("services.web.expose[0]"))
                .body("details[0].message", containsString("in the template generated from this file"));
    }

    @Test
    void anEphemeralEnvironmentExpiresAfterItsTemplatesExpiry() {
        Opened pr = openOnANewApplication(Apps.TWO_SERVICES + "environment_templates:\n- name: ephemeral\n  expiry: 2d\n");
        JsonPath view = Api.environment(pr.env());
        java.time.Duration ttl = java.time.Duration.between(java.time.OffsetDateTime.parse(view.getString("createdAt")),
                java.time.OffsetDateTime.parse(view.getString("expiresAt")));
        assertEquals(java.time.Duration.ofDays(2), ttl);
    }

    @Test
    void secretVariablesAreMaskedInTheApiAndSealedInCommands() {
        String repo = Apps.uniqueRepo();
        String variables = "defaults:\n- key: DB_PASSWORD\n  value: hunter2\n  secret: true\n- key: MODE\n  value: demo\n";
        String app = given().contentType("application/json")
                .body(Map.of("name", "app-" + UUID.randomUUID().toString().substring(0, 8), "repository",
                        Map.of("url", repo), "webhookSecret", Hooks.SECRET, "template", Apps.TWO_SERVICES,
                        "environmentVariables", variables))
                .post("/api/applications").then().statusCode(201)
                .body("environmentVariables", containsString("'********'"))
                .body("environmentVariables", org.hamcrest.Matchers.not(containsString("hunter2")))
                .extract().path("id");
        try (TestBus bus = new TestBus()) {
            String env = Apps.openPullRequest(repo, app, C1);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertTrue(build.spec().variables().get("DB_PASSWORD").startsWith("enc:v2:"),
                    build.spec().variables().toString());
            assertEquals("demo", build.spec().variables().get("MODE"));
        }
    }

    @Test
    void editingTheTemplateChangesNoExistingEnvironmentUntilSetupIsRerun() {
        try (TestBus bus = new TestBus()) {
            Opened pr = readyOnANewApplication(bus);
            String env = pr.env();
            String frozen = Api.environment(env).getString("specHash");
            assertEquals(List.of(), Api.environment(env).getList("runAsRoot"));

            // the new service opts out of running as non-root: the environment's view names it once it has it
            given().contentType("application/json").body(Map.of("template", Apps.TWO_SERVICES
                    + "- name: cache\n  image: redis:7\n  run_as_root: true\n"))
                    .put("/api/applications/" + pr.appId() + "/template")
                    .then().statusCode(200).body("services", is(List.of("web", "api", "cache")));
            assertEquals(frozen, Api.environment(env).getString("specHash"), "the environment keeps its frozen spec");

            given().post("/api/environments/" + env + "/setup").then().statusCode(202);
            BuildRequested rebuild = (BuildRequested) bus.await(BuildRequested.class, env).data();
            assertEquals(List.of("web", "api", "cache"), rebuild.spec().services().stream().map(s -> s.name()).toList());
            bus.publish(new BuildCompleted(env, rebuild.workflowId(), C1, List.of(), Map.of()));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            assertEquals(3, setup.spec().services().size(), "re-run setup uses the freshly resolved spec");
            assertNotEquals(frozen, Api.environment(env).getString("specHash"));
            assertEquals(List.of("cache"), Api.environment(env).getList("runAsRoot"));
        }
    }

    @Test
    void aTemplateInTheRepositoryWinsAndItsChangeMakesASetup() {
        try (TestBus bus = new TestBus()) {
            Opened pr = readyOnANewApplication(bus);
            String env = pr.env();

            Hooks.send("pull_request", Hooks.pullRequest("pull_request-synchronize.json", pr.repo(), C2))
                    .statusCode(202);
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            String repoTemplate = "services:\n- name: site\n  build:\n    context: ./site\n";
            bus.publish(new BuildCompleted(env, build.workflowId(), C2, List.of(new ImageRef("site", "img/site:1", true)),
                    Map.of(".stagecraft/application_template.yaml", repoTemplate)));
            SetupRequested setup = (SetupRequested) bus.await(SetupRequested.class, env).data();
            assertEquals(List.of("site"), setup.spec().services().stream().map(s -> s.name()).toList(),
                    "the template at the commit wins, and a changed template means setup, not patch");
        }
    }

    @Test
    void anInvalidTemplateInTheRepositoryFailsTheWorkflowWithItsErrors() {
        try (TestBus bus = new TestBus()) {
            String env = openOnANewApplication(Apps.TWO_SERVICES).env();
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            bus.publish(new BuildCompleted(env, build.workflowId(), C1, List.of(),
                    Map.of(".release/application_template.yaml", "services:\n- name: Bad_Name\n  image: x\n")));
            JsonPath failed = Api.awaitState(env, "FAILED");
            assertTrue(failed.getString("failureReason").contains("services[0].name"), failed.getString("failureReason"));
            assertTrue(failed.getList("timeline.type").contains("dev.stagecraft.environment.failed.v1"));
            Api.awaitMarker(bus, env);
            assertEquals(List.of(), bus.remaining(PatchRequested.class, env));
            assertEquals(List.of(), bus.remaining(SetupRequested.class, env));
        }
    }
}
