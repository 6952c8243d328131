package dev.stagecraft.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.template.yaml.Problems;

/**
 * Turns an application's templates into the {@link EnvironmentSpec} of one environment: reads the Application
 * Template for the environment template in use, resolves hostnames and variables (generated ones under Stagecraft's
 * and Release's names, then defaults, service level and environment-specific values, in rising precedence), and
 * fills in the workflows the template leaves out. Every format arrives here.
 */
public final class TemplateCompiler {

    public static final String APPLICATION_TEMPLATE = ApplicationTemplateParser.FILE;
    public static final String ENVIRONMENT_VARIABLES = EnvironmentVariables.FILE;
    static final String PLACEHOLDER_ENV_ID = "env-id";

    private TemplateCompiler() {
    }

    /**
     * Who the spec is for; every field may be null when a template is only being validated. {@code sealer} turns a
     * secret value into the sealed text the spec carries (identity when validating).
     */
    public record Context(String environmentId, String branch, String environmentTemplate,
            UnaryOperator<String> sealer) {

        public Context(String environmentId, String branch, String environmentTemplate) {
            this(environmentId, branch, environmentTemplate, UnaryOperator.identity());
        }

        public static Context validation() {
            return new Context(null, null, null);
        }
    }

    /** A compiled spec and the warnings found on the way. */
    public record Result(EnvironmentSpec spec, List<TemplateProblem> warnings) {
    }

    /** Compiles for validation (no environment yet). */
    public static EnvironmentSpec compile(String application, String applicationTemplate, String environmentVariables) {
        return compile(application, applicationTemplate, environmentVariables, Context.validation()).spec();
    }

    /**
     * @throws InvalidTemplateException with every error found, in both files
     */
    public static Result compile(String application, String applicationTemplate, String environmentVariables,
            Context context) {
        Problems problems = new Problems();
        var template = ApplicationTemplateParser.parse(applicationTemplate, context.environmentTemplate(), problems);
        var variables = EnvironmentVariables.parse(environmentVariables, problems);
        if (template.isEmpty() || variables.isEmpty()) {
            throw new InvalidTemplateException(problems.errors(), problems.warnings());
        }
        EnvironmentSpec spec = resolve(application, template.get(), variables.get(), context, problems);
        if (problems.hasErrors()) {
            throw new InvalidTemplateException(problems.errors(), problems.warnings());
        }
        return new Result(spec, problems.warnings());
    }

    private static EnvironmentSpec resolve(String application, ApplicationTemplate template, EnvironmentVariables vars,
            Context context, Problems problems) {
        String envId = context.environmentId() != null ? context.environmentId() : PLACEHOLDER_ENV_ID;
        Map<String, String> generated = new LinkedHashMap<>();
        put(generated, "ENV_ID", envId, "RELEASE_ENV_ID");
        put(generated, "APP", application, "RELEASE_APP_NAME");
        if (context.branch() != null) {
            put(generated, "BRANCH", context.branch(), "RELEASE_BRANCH_NAME");
        }
        Map<String, String> hostnames = new LinkedHashMap<>();
        Map<String, String> patternValues = new HashMap<>(generated);
        patternValues.put("env_id", envId);
        if (template.domain() != null) {
            patternValues.put("domain", template.domain());
        }
        Interpolation.Budget budget = new Interpolation.Budget(MAX_SPEC_BYTES);
        template.hostnames().forEach((service, pattern) -> {
            String host;
            boolean[] incomplete = {false};
            try {
                host = Interpolation.apply(pattern, patternValues, unknown -> {
                    incomplete[0] = true;
                    problems.error(ApplicationTemplateParser.FILE, "hostnames." + service, "pattern '" + pattern
                            + "' uses ${" + unknown + "}, which has no value; known: ${env_id}, ${domain} (when the"
                            + " template sets domain) and the generated variables");
                }, budget);
            } catch (Interpolation.ExpansionLimitException e) {
                problems.error(ApplicationTemplateParser.FILE, "hostnames." + service, "the host names expand to more"
                        + " than " + MAX_SPEC_BYTES + " characters; a resolved spec may be at most 1 MiB");
                return;
            }
            if (!incomplete[0] && !HOST_NAME.matcher(host.toLowerCase(Locale.ROOT)).matches()) {
                problems.error(ApplicationTemplateParser.FILE, "hostnames." + service, "'" + host + "' is not a host"
                        + " name: letters, digits and hyphens in dot-separated labels of at most 63 characters, no"
                        + " wildcard");
                return;
            }
            hostnames.put(service, host.toLowerCase(Locale.ROOT));
            String prefix = service.toUpperCase(Locale.ROOT).replace('-', '_');
            generated.put(prefix + "_INGRESS_HOST", host);
            generated.put(prefix + "_INGRESS_URL", "https://" + host);
        });

        Map<String, String> shared = new LinkedHashMap<>(generated);
        shared.putAll(vars.defaults());
        Set<String> secrets = new HashSet<>(vars.secrets());
        vars.mapping().forEach((key, value) -> {
            // a mapping that takes in a secret is as secret as the secret
            if (value != null && vars.secrets().stream().anyMatch(secret -> value.contains("${" + secret))) {
                secrets.add(key);
            }
        });
        Map<String, String> mappingContext = new HashMap<>(shared);
        for (Map.Entry<String, String> mapping : vars.mapping().entrySet()) {
            String key = mapping.getKey();
            Set<String> reported = new HashSet<>();
            try {
                shared.put(key, Interpolation.apply(mapping.getValue(), mappingContext, unknown -> {
                    if (reported.add(unknown)) {
                        problems.error(EnvironmentVariables.FILE, "mapping." + key, "uses ${" + unknown + "}, which has"
                                + " no value and no fallback; write ${" + unknown + ":-fallback} or define it");
                    }
                }, budget));
            } catch (Interpolation.ExpansionLimitException e) {
                problems.error(EnvironmentVariables.FILE, "mapping." + key, "the mappings expand to more than "
                        + MAX_SPEC_BYTES + " characters (1 MiB) here; a resolved spec may be at most 1 MiB");
                break;
            }
        }

        List<ServiceSpec> services = new ArrayList<>();
        for (ServiceSpec s : template.services()) {
            Map<String, String> envs = new LinkedHashMap<>(s.envs());
            List<Map<String, String>> layers = vars.layers(s.name(), context.environmentTemplate());
            for (int i = 1; i < layers.size(); i++) {
                envs.putAll(layers.get(i));
            }
            seal(envs, secrets, context.sealer());
            services.add(new ServiceSpec(s.name(), s.image(), s.build(), s.port(), envs, s.command(), s.args(),
                    s.ports(), s.readinessProbe(), s.livenessProbe(), s.resources(), s.replicas(), s.volumes(),
                    s.dependsOn(), s.runAsRoot()));
        }
        for (String service : vars.services().keySet()) {
            if (services.stream().noneMatch(s -> s.name().equals(service))) {
                problems.add(new TemplateProblem(TemplateProblem.Severity.WARNING, EnvironmentVariables.FILE, 0, 0,
                        "services." + service, "variables for '" + service + "', which the application template does"
                                + " not define; they are not used"));
            }
        }
        seal(shared, secrets, context.sealer());
        EnvironmentSpec spec = new EnvironmentSpec(application, services, shared, template.jobs(),
                workflows(template, services), hostnames, template.sharedVolumes(), context.environmentTemplate(),
                template.expiry(), null, List.of(), template.datasets());
        int bytes = dev.stagecraft.events.cloudevents.EventJson.write(spec).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                .length;
        if (bytes > MAX_SPEC_BYTES) {
            problems.error(ApplicationTemplateParser.FILE, "", "the resolved spec is " + bytes + " bytes; at most "
                    + MAX_SPEC_BYTES + " (1 MiB) are accepted");
        }
        return spec;
    }

    private static final java.util.regex.Pattern HOST_NAME = java.util.regex.Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    /** The largest resolved spec (as JSON), and what all mappings together may expand to. */
    public static final int MAX_SPEC_BYTES = 1024 * 1024;

    private static void seal(Map<String, String> vars, Set<String> secrets, UnaryOperator<String> sealer) {
        vars.replaceAll((key, value) -> secrets.contains(key) ? sealer.apply(value) : value);
    }

    private static void put(Map<String, String> vars, String name, String value, String releaseName) {
        vars.put("STAGECRAFT_" + name, value);
        vars.put(releaseName, value);
    }

    /**
     * The template's workflows, with setup and patch starting dependencies first where the template has none, and
     * {@code services.all} and {@code jobs.all} written out as every service and every job of the template, in the
     * template's order, so no runtime sees them.
     */
    static Map<String, WorkflowSpec> workflows(ApplicationTemplate template, List<ServiceSpec> services) {
        List<String> allServices = services.stream().map(s -> "services." + s.name()).toList();
        List<String> allJobs = template.jobs().stream().map(j -> "jobs." + j.name()).toList();
        Map<String, WorkflowSpec> workflows = new LinkedHashMap<>();
        template.workflows().forEach((name, workflow) -> workflows.put(name, new WorkflowSpec(workflow.name(),
                workflow.steps().stream().map(step -> new StepSpec(step.name(), step.tasks().stream()
                        .flatMap(task -> switch (task) {
                            case "services.all" -> allServices.stream();
                            case "jobs.all" -> allJobs.stream();
                            default -> java.util.stream.Stream.of(task);
                        }).distinct().toList(), step.haltOnError(), step.waitForFinish())).toList())));
        List<StepSpec> layered = dependencyLayers(services);
        workflows.putIfAbsent("setup", new WorkflowSpec("setup", layered));
        workflows.putIfAbsent("patch", new WorkflowSpec("patch", layered));
        workflows.putIfAbsent("teardown", new WorkflowSpec("teardown",
                List.of(new StepSpec("remove-environment", List.of("release.remove_environment"), true, true))));
        return workflows;
    }

    /** Steps of services whose dependencies are in earlier steps (the template was checked for cycles). */
    static List<StepSpec> dependencyLayers(List<ServiceSpec> services) {
        List<StepSpec> steps = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        List<ServiceSpec> left = new ArrayList<>(services);
        while (!left.isEmpty()) {
            List<String> layer = left.stream().filter(s -> placed.containsAll(s.dependsOn())).map(ServiceSpec::name)
                    .toList();
            if (layer.isEmpty()) {
                layer = left.stream().map(ServiceSpec::name).toList();
            }
            steps.add(new StepSpec("services-" + steps.size(), layer.stream().map(n -> "services." + n).toList(), true,
                    true));
            placed.addAll(layer);
            List<String> done = layer;
            left.removeIf(s -> done.contains(s.name()));
        }
        return steps;
    }
}
