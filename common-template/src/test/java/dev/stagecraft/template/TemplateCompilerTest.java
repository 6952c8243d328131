package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.template.TemplateCompiler.Context;

class TemplateCompilerTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/release-templates");

    private static String fixture(String name) throws IOException {
        return Files.readString(FIXTURES.resolve(name));
    }

    private static ServiceSpec service(EnvironmentSpec spec, String name) {
        return spec.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theVotingAppResolvesToItsServicesPortsWorkflowsVariablesAndHostnames() throws IOException {
        var result = TemplateCompiler.compile("voting", fixture("example-voting-app-1.application_template.yaml"),
                fixture("example-voting-app-1.environment_variables.yaml"), new Context("voting-pr7-abc123", "feature",
                        "ephemeral"));
        EnvironmentSpec spec = result.spec();

        assertEquals(List.of("vote", "result", "worker", "redis", "db"),
                spec.services().stream().map(ServiceSpec::name).toList());
        ServiceSpec vote = service(spec, "vote");
        assertEquals("vote", vote.build().context());
        assertNull(vote.image(), "a built service runs its built image");
        assertEquals(List.of(new PortSpec("node_port", 80, 5000)), vote.ports());
        assertEquals(80, vote.port());
        assertEquals(List.of("python", "app.py"), vote.args());
        assertEquals(List.of("worker"), vote.dependsOn());
        assertEquals("100m", vote.resources().cpuRequest());
        assertEquals("1Gi", vote.resources().memoryLimit());
        ServiceSpec db = service(spec, "db");
        assertEquals("postgres:9.6.1", db.image());
        assertEquals("/var/lib/postgresql/data", db.volumes().get(0).mountPath());
        assertEquals("10Gi", db.volumes().get(0).size());
        assertEquals("postgres", db.envs().get("POSTGRES_USER"));

        assertEquals(List.of("data", "worker", "frontend"),
                spec.workflows().get("setup").steps().stream().map(StepSpec::name).toList());
        assertEquals(List.of("services.db", "services.redis"), spec.workflows().get("setup").steps().get(0).tasks());
        assertEquals(List.of("services.worker", "services.result", "services.vote"),
                spec.workflows().get("patch").steps().get(0).tasks());
        assertEquals(List.of("release.remove_environment"),
                spec.workflows().get("teardown").steps().get(0).tasks(), "a missing teardown workflow is generated");

        assertEquals("vote-voting-pr7-abc123-app.releaseapp.gethandsup.com", spec.hostnames().get("vote"));
        assertEquals("https://vote-voting-pr7-abc123-app.releaseapp.gethandsup.com",
                spec.variables().get("VOTE_INGRESS_URL"));
        assertEquals("voting-pr7-abc123", spec.variables().get("RELEASE_ENV_ID"));
        assertEquals("voting-pr7-abc123", spec.variables().get("STAGECRAFT_ENV_ID"));
        assertEquals("feature", spec.variables().get("RELEASE_BRANCH_NAME"));
        assertEquals("and so clean", spec.variables().get("FRESH"));
        assertEquals("ephemeral", spec.environmentTemplate());
    }

    @Test
    void theTerraformTemplateResolvesItsMappingAndWarnsAboutWhatItCannotRun() throws IOException {
        var result = TemplateCompiler.compile("tf", fixture("release-terraform-flask-redis.application_template.yaml"),
                fixture("release-terraform-flask-redis.environment_variables.yaml"), new Context("tf-pr1-000001", "main",
                        "permanent"));
        ServiceSpec web = service(result.spec(), "web");
        assertEquals("builder", web.build().target());
        assertEquals("app", web.build().context());
        assertEquals(List.of("/usr/local/bin/ssm-env", "-with-decryption"), web.command());
        assertEquals(List.of("python3", "app.py"), web.args());
        assertEquals(8000, web.port());
        assertEquals("ssm:///tf-pr1-000001/redis/address", result.spec().variables().get("REDIS_HOST"));
        assertEquals("web-terraform-example-tf-pr1-000001.release.example.com", result.spec().hostnames().get("web"));
        assertEquals(List.of("infrastructure.terraform-redis"),
                result.spec().workflows().get("teardown").steps().get(0).tasks());
        assertTrue(result.warnings().stream().anyMatch(w -> w.message().contains("infrastructure tasks are not run")),
                result.warnings().toString());
        assertTrue(result.warnings().stream().noneMatch(w -> w.path().equals("infrastructure")),
                "infrastructure is a known key");
    }

    /** run_as_root is a service's own opt-out of the non-root rule, carried in the spec; it is off by default. */
    @Test
    void runAsRootIsCarriedIntoTheSpecAndOffByDefault() {
        var spec = TemplateCompiler.compile("db", "services:\n- name: db\n  image: postgres:16\n  run_as_root: true\n"
                + "- name: web\n  image: web:1\n", null, Context.validation()).spec();
        assertEquals(true, service(spec, "db").runAsRoot());
        assertEquals(false, service(spec, "web").runAsRoot());
    }

    @Test
    void precedenceIsDefaultsThenServiceThenEnvironmentSpecific() {
        String template = "services:\n- name: web\n  image: web:1\n- name: api\n  image: api:1\n";
        String variables = """
                defaults:
                - {key: LEVEL, value: default}
                - {key: ONLY_DEFAULT, value: d}
                services:
                  web:
                  - {key: LEVEL, value: service}
                environments:
                  permanent:
                    services:
                      web:
                      - {key: LEVEL, value: permanent-service}
                    defaults:
                    - {key: REGION, value: eu}
                """;
        EnvironmentSpec ephemeral = TemplateCompiler.compile("a", template, variables, new Context("e", "b", "ephemeral"))
                .spec();
        EnvironmentSpec permanent = TemplateCompiler.compile("a", template, variables, new Context("e", "b", "permanent"))
                .spec();
        assertEquals("default", effective(ephemeral, "api", "LEVEL"));
        assertEquals("service", effective(ephemeral, "web", "LEVEL"));
        assertEquals("permanent-service", effective(permanent, "web", "LEVEL"));
        assertEquals("eu", effective(permanent, "api", "REGION"));
        assertNull(effective(ephemeral, "api", "REGION"));
        assertEquals("d", effective(permanent, "web", "ONLY_DEFAULT"));
    }

    /** What a container of {@code service} sees: shared variables, overridden by the service's own. */
    private static String effective(EnvironmentSpec spec, String service, String key) {
        String own = service(spec, service).envs().get(key);
        return own != null ? own : spec.variables().get(key);
    }

    @Test
    void environmentTemplatesOverrideTopLevelKeys() {
        String template = """
                resources:
                  replicas: 1
                services:
                - name: web
                  image: web:1
                environment_templates:
                - name: ephemeral
                  expiry: 2d
                - name: permanent
                  resources:
                    replicas: 3
                """;
        assertEquals("PT48H", TemplateCompiler.compile("a", template, null, new Context("e", "b", "ephemeral")).spec()
                .expiresAfter());
        EnvironmentSpec permanent = TemplateCompiler.compile("a", template, null, new Context("e", "b", "permanent"))
                .spec();
        assertEquals(3, permanent.services().get(0).replicas());
        assertNull(permanent.expiresAfter());
    }

    @Test
    void missingWorkflowsStartDependenciesFirst() {
        String template = """
                services:
                - {name: web, image: web, depends_on: [api]}
                - {name: api, image: api, depends_on: [db, cache]}
                - {name: db, image: db}
                - {name: cache, image: cache}
                """;
        EnvironmentSpec spec = TemplateCompiler.compile("a", template, null);
        assertEquals(List.of(List.of("services.db", "services.cache"), List.of("services.api"), List.of("services.web")),
                spec.workflows().get("setup").steps().stream().map(StepSpec::tasks).toList());
    }

    /** The runtimes only ever see named tasks: services.all and jobs.all are written out in the template's order. */
    @Test
    void servicesAllAndJobsAllAreExpandedIntoEveryServiceAndJob() {
        String template = """
                services:
                - {name: web, image: web}
                - {name: api, image: api}
                jobs:
                - {name: migrate, from_services: api, command: [migrate]}
                - {name: seed, from_services: api, command: [seed]}
                workflows:
                - name: setup
                  parallelize:
                  - step: first
                    tasks: [jobs.all]
                  - step: then
                    tasks: [services.api, services.all]
                - name: teardown
                  parallelize:
                  - step: gone
                    tasks: [release.remove_environment]
                """;
        EnvironmentSpec spec = TemplateCompiler.compile("a", template, null);
        assertEquals(List.of(List.of("jobs.migrate", "jobs.seed"), List.of("services.api", "services.web")),
                spec.workflows().get("setup").steps().stream().map(StepSpec::tasks).toList());
    }

    @Test
    void unknownKeysAreWarningsNotFailures() {
        var result = TemplateCompiler.compile("a", "services:\n- name: web\n  image: web\n  colour: blue\nflavour: x\n",
                null, Context.validation());
        assertEquals(List.of("flavour", "services[0].colour"),
                result.warnings().stream().map(TemplateProblem::path).sorted().toList());
        assertTrue(result.warnings().get(0).message().startsWith("unknown key 'flavour' is ignored; known here: "),
                result.warnings().get(0).message());
    }

    @Test
    void anEnvironmentTemplatesDatasetsGoIntoItsSpecOnly() {
        String template = "services:\n- name: web\n  image: x\n- name: db\n  image: stagecraft/base:postgres\n"
                + "  ports:\n  - type: container_port\n    port: '5432'\n"
                + "environment_templates:\n- name: ephemeral\n  datasets:\n  - name: customers\n    service: db\n"
                + "- name: permanent\n";
        EnvironmentSpec ephemeral = TemplateCompiler.compile("a", template, null, new Context("e", "b", "ephemeral"))
                .spec();
        assertEquals(List.of(new EnvironmentSpec.DatasetSpec("customers", "db")), ephemeral.datasets());
        EnvironmentSpec permanent = TemplateCompiler.compile("a", template, null, new Context("e", "b", "permanent"))
                .spec();
        assertEquals(List.of(), permanent.datasets());
    }
}
