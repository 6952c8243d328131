package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.stagecraft.template.yaml.Problems;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;

class ComposeImporterTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/compose");

    private static ComposeImporter.Imported importFixture(String name) throws IOException {
        String compose = Files.readString(FIXTURES.resolve(name));
        assertTrue(ComposeImporter.looksLikeCompose(compose));
        return ComposeImporter.toTemplate(compose, file -> Optional.empty());
    }

    private static ServiceSpec service(EnvironmentSpec spec, String name) {
        return spec.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<List<String>> setupSteps(EnvironmentSpec spec) {
        return spec.workflows().get("setup").steps().stream().map(StepSpec::tasks).toList();
    }

    private static boolean warned(ComposeImporter.Imported imported, String text) {
        return imported.warnings().stream().anyMatch(w -> w.message().contains(text));
    }

    @Test
    void wordpressWithMariadbImportsImagesEnvironmentPortsAndVolumes() throws IOException {
        var imported = importFixture("wordpress-mysql.compose.yaml");
        EnvironmentSpec spec = TemplateCompiler.compile("wp", imported.template(), null);
        ServiceSpec db = service(spec, "db");
        assertEquals("mariadb:10.6.4-focal", db.image());
        assertEquals(List.of("--default-authentication-plugin=mysql_native_password"), db.args());
        assertEquals(List.of(new PortSpec("container_port", 3306, 3306), new PortSpec("container_port", 33060, 33060)),
                db.ports());
        assertEquals("wordpress", db.envs().get("MYSQL_DATABASE"));
        assertEquals("persistent", db.volumes().get(0).type());
        assertEquals("/var/lib/mysql", db.volumes().get(0).mountPath());
        assertEquals("db-data", db.volumes().get(0).name());
        ServiceSpec wordpress = service(spec, "wordpress");
        assertEquals(List.of(new PortSpec("node_port", 80, 80)), wordpress.ports());
        assertEquals("db", wordpress.envs().get("WORDPRESS_DB_HOST"));
        assertTrue(warned(imported, "'restart' of service 'db' is not imported"), imported.warnings().toString());
        assertEquals(List.of(List.of("services.db", "services.wordpress")), setupSteps(spec));
    }

    @Test
    void nginxGolangBuildsTheBackendFirstAndWarnsAboutTheBindMount() throws IOException {
        var imported = importFixture("nginx-golang.compose.yaml");
        EnvironmentSpec spec = TemplateCompiler.compile("ng", imported.template(), null);
        ServiceSpec backend = service(spec, "backend");
        assertEquals("backend", backend.build().context());
        assertEquals("builder", backend.build().target());
        assertEquals(List.of(List.of("services.backend"), List.of("services.proxy")), setupSteps(spec));
        assertTrue(warned(imported, "bind mount of './proxy/nginx.conf' into service 'proxy' is not imported"));
        assertTrue(service(spec, "proxy").volumes().isEmpty());
        assertEquals(List.of("release.remove_environment"), spec.workflows().get("teardown").steps().get(0).tasks());
    }

    @Test
    void healthchecksBecomeReadinessProbesAndConditionsOrderTheSetup() throws IOException {
        var imported = importFixture("nginx-golang-postgres.compose.yaml");
        EnvironmentSpec spec = TemplateCompiler.compile("ngp", imported.template(), null);
        var probe = service(spec, "db").readinessProbe();
        assertEquals("exec", probe.kind());
        assertEquals(List.of("pg_isready"), probe.command());
        assertEquals(10, probe.periodSeconds());
        assertEquals(5, probe.timeoutSeconds());
        assertEquals(5, probe.failureThreshold());
        assertEquals(List.of("db"), service(spec, "backend").dependsOn());
        assertEquals(List.of(List.of("services.db"), List.of("services.backend"), List.of("services.proxy")),
                setupSteps(spec));
        assertTrue(warned(imported, "'secrets' of service 'backend' is not imported"));
        assertTrue(warned(imported, "top-level 'secrets' is not imported"));
        assertTrue(warned(imported, "'user' of service 'db' is not imported"));
    }

    @Test
    void profilesSharedVolumesEnvFilesAndRenamedServices() {
        String compose = """
                services:
                  web_app:
                    image: web
                    env_file: .env
                    environment:
                      MODE: production
                    volumes: [uploads:/srv/uploads]
                    depends_on: [worker]
                    healthcheck:
                      test: curl -f http://localhost/ || exit 1
                      interval: 1m30s
                  worker:
                    build: ./worker
                    entrypoint: ["/bin/run", "--queue"]
                    command: "work 'high priority'"
                    volumes: [uploads:/data]
                  debug:
                    image: busybox
                    profiles: [debug]
                volumes:
                  uploads: {}
                """;
        var imported = ComposeImporter.toTemplate(compose, file -> file.equals(".env")
                ? Optional.of("# comment\nTOKEN=\"abc\"\nMODE=dev\n") : Optional.empty());
        EnvironmentSpec spec = TemplateCompiler.compile("x", imported.template(), null);
        assertEquals(List.of("web-app", "worker"), spec.services().stream().map(ServiceSpec::name).toList());
        ServiceSpec web = service(spec, "web-app");
        assertEquals("abc", web.envs().get("TOKEN"));
        assertEquals("production", web.envs().get("MODE"), "environment wins over env_file");
        assertEquals(List.of("sh", "-c", "curl -f http://localhost/ || exit 1"), web.readinessProbe().command());
        assertEquals(90, web.readinessProbe().periodSeconds());
        assertEquals("claim", web.volumes().get(0).type());
        assertEquals("uploads", spec.sharedVolumes().get(0).name());
        ServiceSpec worker = service(spec, "worker");
        assertEquals(List.of("/bin/run", "--queue"), worker.command());
        assertEquals(List.of("work", "high priority"), worker.args());
        assertEquals("worker", worker.build().context());
        assertTrue(warned(imported, "service 'debug' has profiles [debug]"));
        assertTrue(warned(imported, "service 'web_app' is named 'web-app'"));
        assertFalse(imported.template().contains("&id"), "no YAML aliases in the generated template");
        assertNull(spec.services().stream().filter(s -> s.name().equals("debug")).findFirst().orElse(null));
    }

    @Test
    void brokenComposeFilesAreRefusedWithTheReason() {
        var e = assertThrows(InvalidTemplateException.class, () -> ComposeImporter.toTemplate(
                "services:\n  web:\n    depends_on: [db]\n", f -> Optional.empty()));
        assertEquals(List.of("service 'web' has neither image nor build",
                "depends_on names 'db', which is not a service of this file"),
                e.problems().stream().map(TemplateProblem::message).toList());
        assertFalse(ComposeImporter.looksLikeCompose("services:\n- name: web\n  image: x\n"));
    }

    private static ComposeImporter.Imported withVariables(String compose, String variables) {
        Problems problems = new Problems();
        EnvironmentVariables vars = EnvironmentVariables.parse(variables, problems).orElseThrow();
        assertFalse(problems.hasErrors(), problems.errors().toString());
        return ComposeImporter.toTemplate(compose, file -> Optional.empty(), vars);
    }

    private static final String VARIABLES = """
            defaults:
            - key: TAG
              value: "1.25"
            - key: EMPTY
              value: ""
            - key: WEB_PORT
              value: "3000"
            - key: DB_PASSWORD
              value: hunter2
              secret: true
            """;

    /** Every form the Compose specification gives, in values of every kind, with the application's variables. */
    @Test
    void valuesAreInterpolatedAsComposeDoesWithTheApplicationsVariables() {
        var imported = withVariables("""
                services:
                  web:
                    image: "nginx:${TAG}"
                    ports:
                    - "${WEB_PORT}:80"
                    - "${OTHER_PORT:-8081}:81"
                    environment:
                      PLAIN: $TAG
                      FALLBACK_EMPTY: ${EMPTY:-used}
                      KEPT_EMPTY: ${EMPTY-unused}
                      NESTED: ${MISSING:-${ALSO_MISSING:-deep}}
                      SET_ALT: ${TAG:+tag is set}
                      UNSET_ALT: ${MISSING+never}
                      DOLLARS: "price $$5 and $${TAG}"
                      REQUIRED_EMPTY_OK: ${EMPTY?must be set}
                    volumes:
                    - ${DATA_DIR:-./data}:/var/lib/data
                """, VARIABLES);
        EnvironmentSpec spec = TemplateCompiler.compile("web", imported.template(), null);
        ServiceSpec web = service(spec, "web");
        assertEquals("nginx:1.25", web.image());
        assertEquals(List.of("3000", "8081"), web.ports().stream().map(PortSpec::port).map(String::valueOf).toList());
        assertEquals("1.25", web.envs().get("PLAIN"));
        assertEquals("used", web.envs().get("FALLBACK_EMPTY"));
        assertEquals("", web.envs().get("KEPT_EMPTY"));
        assertEquals("deep", web.envs().get("NESTED"));
        assertEquals("tag is set", web.envs().get("SET_ALT"));
        assertEquals("", web.envs().get("UNSET_ALT"));
        assertEquals("price $5 and ${TAG}", web.envs().get("DOLLARS"));
        assertEquals("", web.envs().get("REQUIRED_EMPTY_OK"));
        assertTrue(warned(imported, "bind mount of './data' into service 'web' is not imported"),
                "the volume's source is the interpolated ./data: " + imported.warnings());
        assertTrue(imported.warnings().stream().noneMatch(w -> w.message().contains("is not set")),
                "every variable was set or had a default: " + imported.warnings());
    }

    @Test
    void aRequiredVariableASecretOneAndABrokenReferenceAreErrorsAtTheirLine() {
        var e = assertThrows(InvalidTemplateException.class, () -> withVariables("""
                services:
                  web:
                    image: nginx
                    environment:
                      NEEDED: ${API_URL:?the API's URL}
                      EMPTY_NEEDED: ${EMPTY:?}
                      PASSWORD: ${DB_PASSWORD}
                      BROKEN: ${TAG
                """, VARIABLES));
        List<String> problems = e.problems().stream().map(p -> p.line() + ":" + p.column() + " " + p.message())
                .toList();
        assertEquals(4, problems.size(), problems.toString());
        assertEquals("5:15 required variable API_URL is not set: the API's URL; set it in the environment variables"
                + " template", problems.get(0));
        assertTrue(problems.get(1).startsWith("6:21 required variable EMPTY is empty;"), problems.get(1));
        assertTrue(problems.get(2).startsWith("7:17 variable DB_PASSWORD is secret and is not put into the template"),
                problems.get(2));
        assertTrue(problems.get(3).startsWith("8:15 invalid interpolation in '${TAG': '${' is not closed by '}'"),
                problems.get(3));
        assertTrue(e.problems().stream().noneMatch(p -> p.message().contains("hunter2")));
    }

    @Test
    void anUnsetVariableReadsAsEmptyWithAWarningAtItsLine() {
        var imported = withVariables("services:\n  web:\n    image: nginx\n    environment:\n      A: x${NOPE}y\n",
                null);
        assertEquals("xy", service(TemplateCompiler.compile("web", imported.template(), null), "web").envs().get("A"));
        TemplateProblem warning = imported.warnings().stream().filter(w -> w.message().contains("NOPE")).findFirst()
                .orElseThrow();
        assertEquals(5, warning.line());
        assertEquals(ComposeImporter.FILE, warning.file());
    }

    /** What only the compiler finds in the generated template is shown at the compose file's own line. */
    @Test
    void anErrorInTheGeneratedTemplateIsShownAtTheComposeFilesLine() {
        var imported = ComposeImporter.toTemplate("""
                services:
                  db:
                    image: postgres
                  web:
                    image: nginx
                    expose:
                    - "80"
                    - "http"
                """, file -> Optional.empty());
        var e = assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile("x", imported.template(),
                null));
        List<TemplateProblem> moved = imported.relocate(e.problems());
        assertEquals(1, moved.size(), moved.toString());
        TemplateProblem p = moved.get(0);
        assertEquals(ComposeImporter.FILE, p.file());
        assertEquals(8, p.line(), p.toString());
        assertEquals(7, p.column(), p.toString());
        assertEquals("services.web.expose[1]", p.path());
        assertTrue(p.message().endsWith("(in the template generated from this file, at services[1].ports[1].port)"),
                p.message());
    }

    @Test
    void interpolationsNestedTooDeepAreAnErrorNotAStackOverflow() {
        String nested = "${A:-".repeat(5_000) + "x" + "}".repeat(5_000);
        var e = assertThrows(InvalidTemplateException.class, () -> withVariables(
                "services:\n  web:\n    image: nginx\n    environment:\n      DEEP: \"" + nested + "\"\n", null));
        assertTrue(e.problems().get(0).message().contains("interpolations are nested more than 10 deep"),
                e.problems().toString());
    }
}
