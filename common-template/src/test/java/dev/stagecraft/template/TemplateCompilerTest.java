package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;

class TemplateCompilerTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/release-templates");

    private static String fixture(String name) throws IOException {
        return Files.readString(FIXTURES.resolve(name));
    }

    @Test
    void votingAppTemplateCompilesToItsFiveServices() throws IOException {
        EnvironmentSpec spec = TemplateCompiler.compile("voting",
                fixture("example-voting-app-1.application_template.yaml"),
                fixture("example-voting-app-1.environment_variables.yaml"));

        assertEquals(List.of("vote", "result", "worker", "redis", "db"),
                spec.services().stream().map(EnvironmentSpec.ServiceSpec::name).toList());
        var vote = spec.services().get(0);
        assertEquals("vote", vote.build().context());
        assertEquals("Dockerfile", vote.build().dockerfile());
        assertNull(vote.image(), "a built service runs its built image");
        assertEquals(80, vote.port(), "node_port's target_port is the container port");
        var redis = spec.services().get(3);
        assertEquals("redis:alpine", redis.image());
        assertEquals(6379, redis.port());
        var db = spec.services().get(4);
        assertEquals("postgres", db.envs().get("POSTGRES_USER"));
    }

    @Test
    void terraformTemplateCompiles() throws IOException {
        EnvironmentSpec spec = TemplateCompiler.compile("tf",
                fixture("release-terraform-flask-redis.application_template.yaml"), null);
        assertTrue(spec.services().size() >= 1);
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsPath() {
        String yaml = """
                services:
                - name: Web_1
                  build: {}
                - name: api
                - name: api
                  image: x
                  ports:
                  - type: load_balancer
                    port: '80'
                """;
        var e = assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile("a", yaml, null));
        List<String> paths = e.problems().stream().map(TemplateProblem::path).toList();
        assertEquals(List.of("services[0].name", "services[1]", "services[2].ports[0].type", "services[2].name"), paths);
        assertTrue(e.problems().get(0).message().contains("DNS label"), e.getMessage());
        assertTrue(e.problems().get(2).message().contains("accepted: container_port, node_port"), e.getMessage());
    }

    @Test
    void brokenYamlNamesLineAndColumn() {
        var e = assertThrows(InvalidTemplateException.class,
                () -> TemplateCompiler.compile("a", "services:\n  - name: web\n   image: [unclosed\n", null));
        assertTrue(e.problems().get(0).path().startsWith("line "), e.getMessage());
    }

    @Test
    void aTemplateWithoutServicesIsRefused() {
        var e = assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile("a", "app: x\n", null));
        assertEquals("services", e.problems().get(0).path());
    }
}
