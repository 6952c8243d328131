package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Each validation rule with a failing example and the exact message a person gets. */
class TemplateValidationTest {

    private static List<TemplateProblem> errors(String template) {
        return errors(template, null);
    }

    private static List<TemplateProblem> errors(String template, String variables) {
        return assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile("a", template, variables))
                .problems();
    }

    private static TemplateProblem only(String template) {
        List<TemplateProblem> errors = errors(template);
        assertEquals(1, errors.size(), errors.toString());
        return errors.get(0);
    }

    /** Checks that {@code template} has one problem, at {@code path}, saying exactly {@code message}. */
    private static void assertOnlyProblem(String template, String path, String message) {
        TemplateProblem p = only(template);
        assertEquals(path, p.path());
        assertEquals(message, p.message());
    }

    @Test
    void aServiceNameMustBeADnsLabel() {
        TemplateProblem p = only("services:\n- name: Web_1\n  image: x\n");
        assertEquals("services[0].name", p.path());
        assertEquals(2, p.line());
        assertEquals(9, p.column());
        assertEquals("found 'Web_1'; a service name must be a DNS-1035 label: lower-case letters, digits and '-',"
                + " starting with a letter and ending with a letter or digit, at most 63 characters", p.message());
    }

    /** A Kubernetes API server refuses a Service whose name starts with a digit: so does the template. */
    @Test
    void aServiceNameStartsWithALetter() {
        TemplateProblem p = only("services:\n- name: 1web\n  image: x\n");
        assertEquals("services[0].name", p.path());
        assertTrue(p.message().startsWith("found '1web'; a service name must be a DNS-1035 label"), p.message());
    }

    @Test
    void aServiceNeedsBuildOrImage() {
        assertOnlyProblem("services:\n- name: web\n",
                "services[0]", "service 'web' has neither 'build' nor 'image'; one of them is required");
    }

    @Test
    void portTypesAreNamed() {
        assertOnlyProblem("services:\n- name: web\n  image: x\n  ports:\n  - type: load_balancer\n    port: '80'\n",
                "services[0].ports[0].type", "found 'load_balancer'; accepted: container_port, node_port");
    }

    @Test
    void portsAreNumbersInRange() {
        assertOnlyProblem("services:\n- name: web\n  image: x\n  ports:\n  - type: container_port\n    port: '99999'\n",
                "services[0].ports[0].port", "found 99999; accepted: a whole number from 1 to 65535");
    }

    @Test
    void serviceNamesAreUnique() {
        assertOnlyProblem("services:\n- name: web\n  image: x\n- name: web\n  image: y\n",
                "services[1].name", "duplicate service name 'web'; service names must be unique");
    }

    @Test
    void workflowTasksNameExistingServicesAndJobs() {
        assertOnlyProblem("services:\n- name: web\n  image: x\nworkflows:\n- name: setup\n  order_from:\n"
                + "  - services.api\n", "workflows", "workflow setup, step step-0: task 'services.api' names a service"
                + " that does not exist; services are [web]");
        TemplateProblem job = only("services:\n- name: web\n  image: x\nworkflows:\n- name: patch\n  parallelize:\n"
                + "  - step: migrate\n    tasks: [jobs.migrate]\n");
        assertEquals("workflow patch, step migrate: task 'jobs.migrate' names a job that does not exist; jobs are []",
                job.message());
        TemplateProblem unknownKind = only("services:\n- name: web\n  image: x\nworkflows:\n- name: setup\n"
                + "  order_from: [lambdas.x]\n");
        assertTrue(unknownKind.message().endsWith("is not known; accepted: services.<name>, services.all, "
                + "jobs.<name>, jobs.all, release.remove_environment"), unknownKind.message());
    }

    @Test
    void workflowNamesAreSetupPatchOrTeardown() {
        assertOnlyProblem("services:\n- name: web\n  image: x\nworkflows:\n- name: deploy\n  order_from: "
                + "[services.all]\n",
                "workflows[0].name", "found workflow 'deploy'; accepted: setup, patch, teardown");
    }

    @Test
    void jobsRunFromAnExistingService() {
        TemplateProblem p = only("services:\n- name: web\n  image: x\njobs:\n- name: migrate\n  from_services: api\n"
                + "  command: [rake, db:migrate]\n");
        assertEquals("job 'migrate' runs from_services 'api', which is not a service; services are [web]", p.message());
    }

    @Test
    void claimsNameADefinedSharedVolume() {
        assertOnlyProblem("services:\n- name: web\n  image: x\n  volumes:\n  - name: data\n    type: claim\n"
                + "    claim: uploads\n    mount_path: /data\n", "services[0].volumes",
                "volume claims shared volume 'uploads', which shared_volumes does not define; defined: []");
    }

    @Test
    void aDatasetIsServedByAServiceOfTheTemplate() {
        TemplateProblem p = only("services:\n- name: web\n  image: x\n- name: db\n  image: y\n"
                + "environment_templates:\n- name: ephemeral\n  datasets:\n  - name: customers\n    service: dbx\n");
        assertEquals("environment_templates[0].datasets[0].service", p.path());
        assertEquals(10, p.line());
        assertEquals("dataset 'customers' is served by 'dbx', which is not a service; services are [db, web]",
                p.message());
        assertOnlyProblem("services:\n- name: db\n  image: y\ndatasets:\n- name: customers\n",
                "datasets[0]", "dataset 'customers' needs a service: the database service that serves its copy;"
                        + " services are [db]");
    }

    @Test
    void dependsOnNamesServicesAndHasNoCycles() {
        TemplateProblem missing = only("services:\n- name: web\n  image: x\n  depends_on: [db]\n");
        assertEquals("depends_on names 'db', which is not a service; services are [web]", missing.message());
        TemplateProblem cycle = only("services:\n- {name: a, image: x, depends_on: [b]}\n"
                + "- {name: b, image: x, depends_on: [c]}\n- {name: c, image: x, depends_on: [a]}\n");
        assertTrue(cycle.message().startsWith("depends_on forms a cycle: "), cycle.message());
        assertTrue(cycle.message().matches(".*(a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)"), cycle.message());
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        List<TemplateProblem> errors = errors("services:\n- name: Web\n  image: x\n- name: api\n"
                + "- name: db\n  image: y\n  ports:\n  - type: load_balancer\n");
        assertEquals(List.of("services[0].name", "services[1]", "services[2].ports[0].type"),
                errors.stream().map(TemplateProblem::path).toList());
    }

    @Test
    void brokenYamlNamesLineAndColumn() {
        TemplateProblem p = only("services:\n  - name: web\n   image: [unclosed\n");
        assertEquals(3, p.line());
        assertTrue(p.message().startsWith("not valid YAML: "), p.message());
    }

    @Test
    void aTemplateWithoutServicesIsRefused() {
        assertEquals("the template has no services; at least one service is required", only("app: x\n").message());
    }

    @Test
    void aliasBombsAreRefused() {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char prev = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(prev).append(", *").append(prev).append(", *")
                    .append(prev).append(", *").append(prev).append(", *").append(prev).append(", *").append(prev)
                    .append("]\n");
        }
        bomb.append("services: *k\n");
        TemplateProblem p = only(bomb.toString());
        assertTrue(p.message().contains("aliases"), p.message());
    }

    @Test
    void hugeAndDeeplyNestedDocumentsAreRefused() {
        String huge = "services:\n- name: web\n  image: x\n# " + "x".repeat(600 * 1024) + "\n";
        assertTrue(only(huge).message().contains("at most 524288 are accepted"), only(huge).message());
        String deep = "services: " + "[".repeat(100) + "]".repeat(100) + "\n";
        assertTrue(only(deep).message().toLowerCase().contains("nesting"), only(deep).message());
    }

    @Test
    void duplicateKeysAreRefused() {
        TemplateProblem p = only("services:\n- name: web\n  image: x\n  image: y\n");
        assertTrue(p.message().contains("duplicate key"), p.message());
    }

    @Test
    void variablesAreKeyValuePairsAndMappingsResolve() {
        List<TemplateProblem> errors = errors("services:\n- name: web\n  image: x\n",
                "defaults:\n- value: no-key\nmapping:\n  URL: http://${UNKNOWN_HOST}/\n");
        assertEquals(List.of("defaults[0]", "mapping.URL"), errors.stream().map(TemplateProblem::path).toList());
        assertEquals("uses ${UNKNOWN_HOST}, which has no value and no fallback; write ${UNKNOWN_HOST:-fallback} or "
                + "define it", errors.get(1).message());
    }

    @Test
    void hostnamePatternsNeedTheirValues() {
        TemplateProblem p = only("hostnames:\n- web: web-${env_id}.${domain}\nservices:\n- name: web\n  image: x\n");
        assertEquals("hostnames.web", p.path());
        assertTrue(p.message().contains("${domain}"), p.message());
    }
}
