package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code stagecraft apps}: the body of a registration, the template as text, and the table of applications. */
class ApplicationsTest extends AgainstFakeGateway {

    private static final String TEMPLATE = "app: shop\nservices:\n- name: web\n  build:\n    context: ./web\n";
    private static final String SHOP = """
            {"id": "3f2a", "name": "shop", "repository": {"url": "https://example.com/shop.git", "provider": "github"},
             "webhookSecret": "********", "runtime": "docker", "pullRequestLabel": null, "templateFormat": "%s",
             "services": ["web"], "template": "...", "environmentVariables": null,
             "createdAt": "2026-05-01T10:00:00Z", "warnings": %s}""";

    private Path template;

    @Override
    String token() {
        return "sc_admin";
    }

    @BeforeEach
    void writeTemplate() throws Exception {
        template = Files.writeString(home.resolve("template.yaml"), TEMPLATE);
    }

    @Test
    void registerSendsEveryFieldGivenAndNoOther() throws Exception {
        Path variables = Files.writeString(home.resolve("variables.yaml"), "DEBUG: '1'\n");
        gateway.on("POST", "/api/applications", FakeGateway.Reply.json(201, SHOP.formatted("release", "[]")));

        Cli.Result result = cli.run("apps", "register", "shop", "--repository", "https://gitlab.example.com/shop.git",
                "--provider", "gitlab", "--webhook-secret", "a-long-secret", "--template", template.toString(),
                "--variables", variables.toString(), "--runtime", "kubernetes", "--pull-request-label", "preview");

        assertEquals(0, result.exitCode(), result.toString());
        FakeGateway.Request request = gateway.only("POST", "/api/applications");
        assertEquals(Json.parse("""
                {"name": "shop", "repository": {"url": "https://gitlab.example.com/shop.git", "provider": "gitlab"},
                 "webhookSecret": "a-long-secret", "template": %s, "environmentVariables": "DEBUG: '1'\\n",
                 "runtime": "kubernetes", "pullRequestLabel": "preview"}""".formatted(
                Json.compact(Json.object().put("t", TEMPLATE).get("t")))), request.json());
        assertTrue(result.out().contains("Services:            web\n"), result.out());
    }

    @Test
    void registerLeavesOutWhatWasNotGivenAndShowsTheTemplatesWarnings() throws Exception {
        gateway.on("POST", "/api/applications", FakeGateway.Reply.json(201, SHOP.formatted("release", """
                [{"severity": "WARNING", "file": "template.yaml", "line": 3, "column": 1, "path": "services[0].x",
                  "message": "unknown key x; ignored"}]""")));

        Cli.Result result = cli.run("apps", "register", "shop", "--repository", "https://example.com/shop.git",
                "--webhook-secret", "a-long-secret", "--compose", template.toString());

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(Json.parse("{\"name\": \"shop\", \"repository\": {\"url\": \"https://example.com/shop.git\"},"
                + " \"webhookSecret\": \"a-long-secret\", \"template\": " + Json.compact(Json.object()
                .put("t", TEMPLATE).get("t")) + "}"), gateway.only("POST", "/api/applications").json());
        assertTrue(result.err().contains("was not recognised as a docker-compose file"), result.err());
        assertTrue(result.err().contains("warning: WARNING template.yaml:3:1: services[0].x: unknown key x;"
                + " ignored\n"), result.err());
    }

    @Test
    void templateAndComposeAreExclusive() {
        Cli.Result result = cli.run("apps", "register", "shop", "--repository", "https://example.com/shop.git",
                "--webhook-secret", "a-long-secret", "--compose", template.toString(), "--template",
                template.toString());

        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains("mutually exclusive"), result.err());
    }

    @Test
    void templatePrintsTheTemplateAsText() {
        gateway.on("GET", "/api/applications/3f2a/template", new FakeGateway.Reply(200, "application/yaml", TEMPLATE,
                Map.of("X-Stagecraft-Template-Format", "release")));

        Cli.Result result = cli.run("apps", "template", "3f2a");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(TEMPLATE, result.out());
    }

    @Test
    void setTemplatePutsTheNewTemplate() throws Exception {
        gateway.on("PUT", "/api/applications/3f2a/template", FakeGateway.Reply.ok(SHOP.formatted("release", "[]")));

        Cli.Result result = cli.run("apps", "set-template", "3f2a", "--template", template.toString());

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(Json.object().put("template", TEMPLATE),
                gateway.only("PUT", "/api/applications/3f2a/template").json());
    }

    @Test
    void listShowsOneApplicationPerLine() {
        gateway.on("GET", "/api/applications", FakeGateway.Reply.ok("[" + SHOP.formatted("release", "[]") + "]"));

        Cli.Result result = cli.run("apps", "list");

        assertEquals("""
                ID    NAME  PROVIDER  RUNTIME  REPOSITORY                    CREATED
                3f2a  shop  github    docker   https://example.com/shop.git  2026-05-01T10:00:00Z
                """, result.out());
    }

    @Test
    void sleepSendsTheIdleTimeoutAsIsoEightSixOhOneOrRemovesIt() throws Exception {
        String path = "/api/applications/3f2a/sleep";
        String sleeping = SHOP.formatted("release", "[]").replace("\"createdAt\"", "\"sleepAfter\": \"PT30M\", \"createdAt\"");
        gateway.on("PUT", path, FakeGateway.Reply.ok(sleeping));
        gateway.on("DELETE", path, FakeGateway.Reply.ok(SHOP.formatted("release", "[]")));

        Cli.Result set = cli.run("apps", "sleep", "3f2a", "--after", "30m");
        Cli.Result removed = cli.run("apps", "sleep", "3f2a", "--remove");
        Cli.Result neither = cli.run("apps", "sleep", "3f2a");
        Cli.Result wrong = cli.run("apps", "sleep", "3f2a", "--after", "soon");

        assertEquals(0, set.exitCode(), set.toString());
        assertTrue(set.out().contains("Idle sleep:") && set.out().contains("PT30M"), set.out());
        assertEquals(Json.parse("{\"idleAfter\": \"PT30M\"}"), gateway.only("PUT", path).json());
        assertEquals(0, removed.exitCode(), removed.toString());
        assertEquals(1, gateway.requests("DELETE", path).size());
        assertEquals(2, neither.exitCode(), neither.toString());
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.err().contains("--after 'soon' is not a duration"), wrong.err());
    }

    @Test
    void limitsSendsOnlyWhatWasGivenRemovesAndShowsThemInWords() throws Exception {
        String path = "/api/applications/3f2a/limits";
        String limited = SHOP.formatted("release", "[]").replace("\"warnings\"", "\"limits\": {\"maxRunningEnvironments\":"
                + " 3, \"overflow\": \"evict\"}, \"warnings\"");
        gateway.on("PUT", path, FakeGateway.Reply.ok(limited));
        gateway.on("DELETE", path, FakeGateway.Reply.ok(SHOP.formatted("release", "[]")));

        Cli.Result set = cli.run("apps", "limits", "3f2a", "--max-running", "3", "--overflow", "evict");
        Cli.Result builds = cli.run("apps", "limits", "3f2a", "--max-builds", "1");
        Cli.Result removed = cli.run("apps", "limits", "3f2a", "--remove");
        Cli.Result mixed = cli.run("apps", "limits", "3f2a", "--remove", "--max-builds", "1");
        Cli.Result none = cli.run("apps", "limits", "3f2a");

        assertEquals(0, set.exitCode(), set.toString());
        assertTrue(set.out().contains("Limits:") && set.out().contains("3 running environments (past it: evict),"
                + " any number of builds"), set.out());
        var puts = gateway.requests("PUT", path);
        assertEquals(Json.parse("{\"maxRunningEnvironments\": 3, \"overflow\": \"evict\"}"), puts.get(0).json());
        assertEquals(Json.parse("{\"maxConcurrentBuilds\": 1}"), puts.get(1).json());
        assertEquals(0, builds.exitCode(), builds.toString());
        assertEquals(0, removed.exitCode(), removed.toString());
        assertEquals(1, gateway.requests("DELETE", path).size());
        assertEquals(2, mixed.exitCode(), mixed.toString());
        assertEquals(2, none.exitCode(), none.toString());
        assertEquals(2, puts.size(), "a refused command sends nothing");
    }
}
