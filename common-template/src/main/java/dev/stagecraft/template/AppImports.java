package dev.stagecraft.template;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ImportSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;

/**
 * Release's {@code app_imports}: the services of imported applications added to an environment's spec, on its network
 * or in its namespace like its own. Each imported service keeps its application's variables (its own envs win), and
 * service names must be unique across the environment and its imports. The setup and patch workflows deploy the
 * imported services first: one step per imported application in the template's order, or one step for all of them
 * with {@code parallelize_app_imports: true}. Imports are not recursive: an imported application's own
 * {@code app_imports} are not followed, and its jobs and workflows are not run.
 */
public final class AppImports {

    /** Names the steps that deploy imported applications, so a spec compiled again keeps them. */
    public static final String STEP_PREFIX = "app_import";

    private AppImports() {
    }

    /**
     * One imported application: its spec compiled for this environment, the repository it is built from, the branches
     * to build it at (first that exists wins) and the template entry that asked for it.
     */
    public record Imported(ApplicationTemplate.AppImport entry, String repositoryUrl, List<String> branches,
            EnvironmentSpec spec) {
    }

    /**
     * {@code importing} with the services of {@code imports} added.
     *
     * @throws InvalidTemplateException naming the entry when a service name is taken twice or an excluded service is
     *                                  not one the application has
     */
    public static EnvironmentSpec merge(EnvironmentSpec importing, List<Imported> imports, boolean parallel) {
        if (imports.isEmpty()) {
            return importing;
        }
        Map<String, String> owner = new LinkedHashMap<>();
        importing.services().forEach(s -> owner.put(s.name(), importing.application()));
        List<TemplateProblem> problems = new ArrayList<>();
        List<ServiceSpec> services = new ArrayList<>(importing.services());
        Map<String, String> hostnames = new LinkedHashMap<>(importing.hostnames());
        List<ImportSpec> specs = new ArrayList<>();
        for (Imported i : imports) {
            ApplicationTemplate.AppImport entry = i.entry();
            Set<String> has = new HashSet<>();
            i.spec().services().forEach(s -> has.add(s.name()));
            for (String excluded : entry.excludeServices()) {
                if (!has.contains(excluded)) {
                    problems.add(problem(entry, "exclude_services names '" + excluded + "', which application '"
                            + entry.name() + "' does not have; it has: " + String.join(", ", new java.util.TreeSet<>(
                                    has))));
                }
            }
            List<String> names = new ArrayList<>();
            for (ServiceSpec s : i.spec().services()) {
                if (entry.excludeServices().contains(s.name())) {
                    continue;
                }
                String taken = owner.putIfAbsent(s.name(), entry.name());
                if (taken != null) {
                    problems.add(problem(entry, "service '" + s.name() + "' of imported application '" + entry.name()
                            + "' has the same name as a service of application '" + taken + "'; service names must"
                            + " be unique in an environment: leave one out with exclude_services"));
                    continue;
                }
                Map<String, String> envs = new LinkedHashMap<>(i.spec().variables());
                envs.putAll(s.envs()); // the service's own win, as in its application
                services.add(new ServiceSpec(s.name(), s.image(), s.build(), s.port(), envs, s.command(), s.args(),
                        s.ports(), s.readinessProbe(), s.livenessProbe(), s.resources(), s.replicas(), s.volumes(),
                        s.dependsOn(), s.runAsRoot()));
                String host = i.spec().hostnames().get(s.name());
                if (host != null) {
                    hostnames.put(s.name(), host);
                }
                names.add(s.name());
            }
            specs.add(new ImportSpec(entry.name(), i.repositoryUrl(), i.branches(), names));
        }
        if (!problems.isEmpty()) {
            throw new InvalidTemplateException(problems);
        }
        List<StepSpec> steps = new ArrayList<>();
        if (parallel) {
            steps.add(new StepSpec(STEP_PREFIX + "s", specs.stream().flatMap(s -> s.services().stream())
                    .map(n -> "services." + n).toList(), true, true));
        } else {
            specs.forEach(s -> steps.add(new StepSpec(STEP_PREFIX + " " + s.application(), s.services().stream()
                    .map(n -> "services." + n).toList(), true, true)));
        }
        return with(importing, services, hostnames, steps, specs);
    }

    /**
     * {@code compiled} (the importing application's templates compiled again, such as from the repository at a
     * commit) with the imports {@code previous} had: their services, host names and workflow steps.
     */
    public static EnvironmentSpec carry(EnvironmentSpec previous, EnvironmentSpec compiled) {
        if (previous.imports().isEmpty()) {
            return compiled;
        }
        Set<String> own = new HashSet<>();
        compiled.services().forEach(s -> own.add(s.name()));
        List<ServiceSpec> services = new ArrayList<>(compiled.services());
        Map<String, String> hostnames = new LinkedHashMap<>(compiled.hostnames());
        List<ImportSpec> imports = new ArrayList<>();
        for (ImportSpec i : previous.imports()) {
            List<String> kept = new ArrayList<>();
            for (ServiceSpec s : previous.services()) {
                if (i.services().contains(s.name()) && !own.contains(s.name())) {
                    services.add(s);
                    kept.add(s.name());
                    String host = previous.hostnames().get(s.name());
                    if (host != null) {
                        hostnames.put(s.name(), host);
                    }
                }
            }
            imports.add(new ImportSpec(i.application(), i.repositoryUrl(), i.branches(), kept));
        }
        WorkflowSpec setup = previous.workflows().get("setup");
        List<StepSpec> steps = setup == null ? List.of() : setup.steps().stream()
                .filter(s -> s.name() != null && s.name().startsWith(STEP_PREFIX)).toList();
        return with(compiled, services, hostnames, steps, imports);
    }

    private static EnvironmentSpec with(EnvironmentSpec base, List<ServiceSpec> services, Map<String, String> hostnames,
            List<StepSpec> importSteps, List<ImportSpec> imports) {
        Map<String, WorkflowSpec> workflows = new LinkedHashMap<>(base.workflows());
        for (String name : List.of("setup", "patch")) {
            WorkflowSpec workflow = workflows.get(name);
            if (workflow != null && !importSteps.isEmpty()) {
                List<StepSpec> steps = new ArrayList<>(importSteps);
                steps.addAll(workflow.steps());
                workflows.put(name, new WorkflowSpec(workflow.name(), steps));
            }
        }
        return new EnvironmentSpec(base.application(), services, base.variables(), base.jobs(), workflows, hostnames,
                base.sharedVolumes(), base.environmentTemplate(), base.expiresAfter(), base.runtime(), imports,
                base.datasets());
    }

    private static TemplateProblem problem(ApplicationTemplate.AppImport entry, String message) {
        return new TemplateProblem(TemplateProblem.Severity.ERROR, ApplicationTemplateParser.FILE, entry.line(),
                entry.column(), entry.path(), message);
    }
}
