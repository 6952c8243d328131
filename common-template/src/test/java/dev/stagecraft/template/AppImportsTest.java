package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.template.yaml.Problems;

/** Release's {@code app_imports}: read from the template, and the imported services added to a spec. */
class AppImportsTest {

    private static final String FRONTEND = """
            app: frontend
            app_imports:
            - name: backend
              branch: main
              exclude_services:
              - name: cache
            - name: payments
            parallelize_app_imports: false
            services:
            - name: web
              image: web:1
              ports:
              - type: container_port
                port: 8080
            """;
    private static final String BACKEND = """
            services:
            - name: api
              image: api:1
              envs:
              - key: MODE
                value: imported
            - name: cache
              image: cache:1
            """;
    private static final String PAYMENTS = """
            services:
            - name: payments
              build:
                context: ./payments
            """;

    private static ApplicationTemplate.AppImport entry(String template, int index) {
        return ApplicationTemplateParser.parse(template, null, new Problems()).orElseThrow().appImports().get(index);
    }

    private static AppImports.Imported imported(String template, int index, String importedTemplate, String vars) {
        ApplicationTemplate.AppImport entry = entry(template, index);
        return new AppImports.Imported(entry, "https://git.example.test/" + entry.name() + ".git",
                List.of("feature", "HEAD"), TemplateCompiler.compile(entry.name(), importedTemplate, vars));
    }

    @Test
    void theTemplateNamesEachImportItsBranchAndTheServicesLeftOut() {
        ApplicationTemplate parsed = ApplicationTemplateParser.parse(FRONTEND, null, new Problems()).orElseThrow();
        assertEquals(2, parsed.appImports().size());
        ApplicationTemplate.AppImport backend = parsed.appImports().get(0);
        assertEquals("backend", backend.name());
        assertEquals("main", backend.branch());
        assertEquals(List.of("cache"), backend.excludeServices());
        assertEquals(3, backend.line());
        assertEquals(null, parsed.appImports().get(1).branch());
        assertFalse(parsed.parallelizeAppImports());
    }

    @Test
    void badImportsAreRefusedWithTheirLine() {
        InvalidTemplateException e = assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile(
                "frontend", """
                        app: frontend
                        app_imports:
                        - branch: main
                        - name: frontend
                        - name: backend
                        - name: backend
                          exclude_services: cache
                        services:
                        - name: web
                          image: web:1
                        """, null));
        String all = e.problems().toString();
        assertTrue(all.contains("application_template.yaml:3:3: app_imports[0]: an app import needs the name of the"
                + " application it imports"), all);
        assertTrue(all.contains("cannot import itself ('frontend')"), all);
        assertTrue(all.contains("application 'backend' is imported twice"), all);
        assertTrue(all.contains("exclude_services is a list of service names"), all);
    }

    @Test
    void importedServicesJoinTheSpecKeepTheirVariablesAndAreDeployedFirstInOrder() {
        EnvironmentSpec own = TemplateCompiler.compile("frontend", FRONTEND, null);
        EnvironmentSpec merged = AppImports.merge(own, List.of(imported(FRONTEND, 0, BACKEND, "mapping:\n  LEVEL: debug\n"),
                imported(FRONTEND, 1, PAYMENTS, null)), false);

        assertEquals(List.of("web", "api", "payments"), merged.services().stream().map(s -> s.name()).toList(),
                "cache left out");
        assertEquals("imported", merged.services().get(1).envs().get("MODE"));
        assertEquals("debug", merged.services().get(1).envs().get("LEVEL"), "the imported application's variables");
        assertEquals("backend", merged.importOf("api").application());
        assertEquals(List.of("feature", "HEAD"), merged.importOf("payments").branches());
        assertEquals(null, merged.importOf("web"));
        List<StepSpec> setup = merged.workflows().get("setup").steps();
        assertEquals(List.of("services.api"), setup.get(0).tasks());
        assertEquals(List.of("services.payments"), setup.get(1).tasks());
        assertTrue(setup.get(2).tasks().contains("services.web"), setup.toString());
        assertEquals(merged.workflows().get("setup").steps().subList(0, 2),
                merged.workflows().get("patch").steps().subList(0, 2));

        EnvironmentSpec parallel = AppImports.merge(own, List.of(imported(FRONTEND, 0, BACKEND, null),
                imported(FRONTEND, 1, PAYMENTS, null)), true);
        assertEquals(List.of("services.api", "services.payments"), parallel.workflows().get("setup").steps().get(0)
                .tasks());

        // compiled again (as from the repository at a commit): the imports stay
        EnvironmentSpec again = AppImports.carry(merged, TemplateCompiler.compile("frontend", FRONTEND, null));
        assertEquals(merged.services(), again.services());
        assertEquals(merged.imports(), again.imports());
        assertEquals(merged.workflows(), again.workflows());
    }

    @Test
    void aServiceNameTakenTwiceOrAnUnknownExclusionIsRefusedNamingTheImport() {
        String clash = """
                app: frontend
                app_imports:
                - name: backend
                  exclude_services:
                  - worker
                services:
                - name: api
                  image: api:0
                """;
        InvalidTemplateException e = assertThrows(InvalidTemplateException.class, () -> AppImports.merge(
                TemplateCompiler.compile("frontend", clash, null), List.of(imported(clash, 0, BACKEND, null)), false));
        String all = e.problems().toString();
        assertTrue(all.contains("service 'api' of imported application 'backend' has the same name as a service of"
                + " application 'frontend'"), all);
        assertTrue(all.contains("exclude_services names 'worker', which application 'backend' does not have; it has:"
                + " api, cache"), all);
        assertEquals(3, e.problems().get(0).line(), "at the import's entry");
    }
}
