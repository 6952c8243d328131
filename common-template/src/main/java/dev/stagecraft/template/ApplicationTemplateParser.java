package dev.stagecraft.template;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.stagecraft.events.EnvironmentSpec.BuildSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ProbeSpec;
import dev.stagecraft.events.EnvironmentSpec.ResourcesSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.SharedVolumeSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.VolumeSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.template.yaml.Problems;
import dev.stagecraft.template.yaml.SafeYaml;
import dev.stagecraft.template.yaml.YamlCursor;

/**
 * Reads a Release-style Application Template. Every problem is reported with its file, line, column and path; unknown
 * keys are warnings. References are checked: workflow tasks, from_services, claims of shared volumes, depends_on
 * (including cycles), duplicate names and DNS names.
 */
public final class ApplicationTemplateParser {

    public static final String FILE = "application_template.yaml";
    public static final List<String> WORKFLOWS = List.of("setup", "patch", "teardown");

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** A service's name is a Kubernetes Service name (and a host name): it must also start with a letter. */
    private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern QUANTITY = Pattern.compile("\\d+(\\.\\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?");
    private static final Pattern EXPIRY = Pattern.compile("(\\d+)\\s*(d|h|m)");
    private static final Set<String> TOP = Set.of("app", "auto_deploy", "tracking_branch", "domain", "hostnames",
            "resources", "shared_volumes", "datasets", "services", "jobs", "workflows", "environment_templates", "context",
            "mode", "repo_name", "infrastructure", "expiry", "app_imports", "parallelize_app_imports");
    private static final Set<String> SERVICE = Set.of("name", "image", "build", "has_repo", "command", "args", "ports",
            "envs", "readiness_probe", "liveness_probe", "cpu", "memory", "replicas", "volumes", "depends_on", "static",
            "storage", "run_as_root");
    private static final Set<String> BUILD = Set.of("context", "dockerfile", "args", "target");
    private static final Set<String> PORT = Set.of("type", "port", "target_port", "container_port", "loadbalancer");
    private static final Set<String> PROBE = Set.of("exec", "http_get", "tcp_socket", "period_seconds",
            "timeout_seconds", "failure_threshold", "initial_delay_seconds", "success_threshold");
    private static final Set<String> VOLUME = Set.of("name", "type", "mount_path", "claim", "size");
    private static final Set<String> JOB = Set.of("name", "from_services", "image", "command", "args", "envs",
            "completed_timeout", "halt_on_error", "cpu", "memory");
    private static final Set<String> STEP = Set.of("step", "tasks", "halt_on_error", "wait_for_finish");

    private final Problems problems;
    private final YamlCursor root;
    private final Map<String, YamlCursor> overrides;

    private ApplicationTemplateParser(YamlCursor root, Map<String, YamlCursor> overrides, Problems problems) {
        this.root = root;
        this.overrides = overrides;
        this.problems = problems;
    }

    /**
     * Reads {@code text} for environment template {@code environmentTemplate} (null: the top level as written).
     *
     * @return empty when an error was found; every problem is in {@code problems}
     */
    public static Optional<ApplicationTemplate> parse(String text, String environmentTemplate, Problems problems) {
        Optional<YamlCursor> root = SafeYaml.parse(FILE, text, problems);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        if (!root.get().isMapping()) {
            root.get().error("expected a mapping of template keys (services, workflows, ...) at the top");
            return Optional.empty();
        }
        root.get().warnUnknownKeys(TOP);
        Map<String, YamlCursor> overrides = environmentOverrides(root.get(), environmentTemplate, problems);
        ApplicationTemplate template = new ApplicationTemplateParser(root.get(), overrides, problems)
                .read(environmentTemplate);
        return problems.hasErrors() ? Optional.empty() : Optional.of(template);
    }

    private static Map<String, YamlCursor> environmentOverrides(YamlCursor root, String name, Problems problems) {
        Map<String, YamlCursor> overrides = new HashMap<>();
        Optional<YamlCursor> templates = root.get("environment_templates");
        if (templates.isEmpty()) {
            return overrides;
        }
        Set<String> seen = new HashSet<>();
        for (YamlCursor t : templates.get().items()) {
            String templateName = t.text("name");
            if (templateName == null) {
                t.error("an environment template needs a name (ephemeral, permanent or your own)");
                continue;
            }
            if (!seen.add(templateName)) {
                t.error("duplicate environment template '" + templateName + "'");
            }
            for (Map.Entry<String, YamlCursor> e : t.entries().entrySet()) {
                if (!e.getKey().equals("name") && !TOP.contains(e.getKey())) {
                    e.getValue().warn("unknown key '" + e.getKey() + "' in environment template is ignored");
                }
                if (templateName.equals(name) && !e.getKey().equals("name")) {
                    overrides.put(e.getKey(), e.getValue());
                }
            }
        }
        return overrides;
    }

    private Optional<YamlCursor> top(String key) {
        YamlCursor override = overrides.get(key);
        return override != null ? Optional.of(override) : root.get(key);
    }

    private ApplicationTemplate read(String environmentTemplate) {
        String app = top("app").map(YamlCursor::text).orElse(null);
        boolean autoDeploy = top("auto_deploy").map(YamlCursor::bool).orElse(true);
        String trackingBranch = top("tracking_branch").map(YamlCursor::text).orElse(null);
        String domain = top("domain").map(YamlCursor::text).orElse(null);
        ResourcesSpec resources = top("resources").map(this::resources).orElse(null);
        int replicas = top("resources").flatMap(r -> r.get("replicas")).map(c -> c.integer(0, 100)).orElse(1);
        List<SharedVolumeSpec> shared = top("shared_volumes").map(this::sharedVolumes).orElse(List.of());
        List<ServiceSpec> services = top("services").map(c -> services(c, resources, replicas)).orElse(List.of());
        if (services.isEmpty() && top("services").isEmpty()) {
            root.error("the template has no services; at least one service is required");
        }
        List<JobSpec> jobs = top("jobs").map(this::jobs).orElse(List.of());
        Map<String, WorkflowSpec> workflows = top("workflows").map(this::workflows).orElse(Map.of());
        Map<String, String> hostnames = top("hostnames").map(this::hostnames).orElse(Map.of());
        List<String> environmentTemplates = root.get("environment_templates").map(t -> t.items().stream()
                .map(i -> i.text("name")).filter(n -> n != null).toList()).orElse(List.of());
        String expiry = top("expiry").map(this::expiry).orElse(null);
        List<DatasetSpec> datasets = top("datasets").map(d -> datasets(d, services)).orElse(List.of());
        // the other environment templates' datasets are checked as well, so that registration refuses them
        root.get("environment_templates").ifPresent(templates -> templates.items().forEach(t -> {
            if (t.isMapping() && !java.util.Objects.equals(t.text("name"), environmentTemplate)) {
                t.get("datasets").ifPresent(d -> datasets(d, services));
            }
        }));
        checkReferences(services, jobs, workflows, shared, hostnames);
        List<ApplicationTemplate.AppImport> imports = top("app_imports").map(c -> appImports(c, app))
                .orElse(List.of());
        boolean parallelImports = top("parallelize_app_imports").map(YamlCursor::bool).orElse(false);
        return new ApplicationTemplate(app, autoDeploy, trackingBranch, domain, hostnames, resources, replicas, shared,
                services, jobs, workflows, environmentTemplates, environmentTemplate, expiry, datasets, imports,
                parallelImports);
    }

    private List<ServiceSpec> services(YamlCursor list, ResourcesSpec defaults, int defaultReplicas) {
        List<ServiceSpec> services = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (YamlCursor s : list.items()) {
            if (!s.isMapping()) {
                s.error("expected a service mapping with at least a name");
                continue;
            }
            s.warnUnknownKeys(SERVICE);
            String name = name(s, "service");
            if (name == null) {
                continue;
            }
            if (!names.add(name)) {
                s.get("name").orElse(s).error("duplicate service name '" + name + "'; service names must be unique");
            }
            BuildSpec build = s.get("build").map(this::build).orElse(null);
            String image = s.text("image");
            if (build == null && (image == null || image.isBlank())) {
                s.error("service '" + name + "' has neither 'build' nor 'image'; one of them is required");
            }
            List<PortSpec> ports = s.get("ports").map(this::ports).orElse(List.of());
            ResourcesSpec resources = merge(defaults, s.get("cpu").map(c -> quantities(c, "cpu")).orElse(null),
                    s.get("memory").map(c -> quantities(c, "memory")).orElse(null));
            int replicas = s.get("replicas").map(c -> c.integer(0, 100)).orElse(defaultReplicas);
            List<VolumeSpec> volumes = s.get("volumes").map(v -> volumes(v, s.get("storage"))).orElse(List.of());
            services.add(new ServiceSpec(name, build == null ? image : null, build,
                    ports.isEmpty() ? 0 : ports.get(0).containerPort(), s.get("envs").map(this::envs).orElse(Map.of()),
                    s.strings("command"), s.strings("args"), ports,
                    s.get("readiness_probe").map(this::probe).orElse(null),
                    s.get("liveness_probe").map(this::probe).orElse(null), resources, replicas, volumes,
                    s.strings("depends_on"), s.get("run_as_root").map(YamlCursor::bool).orElse(false)));
        }
        return services;
    }

    private String name(YamlCursor c, String what) {
        Optional<YamlCursor> nameNode = c.get("name");
        if (nameNode.isEmpty()) {
            c.error("a " + what + " needs a name");
            return null;
        }
        String name = nameNode.get().text();
        if (what.equals("service")) {
            if (name == null || !DNS_1035_LABEL.matcher(name).matches()) {
                nameNode.get().error("found '" + name + "'; a service name must be a DNS-1035 label: lower-case"
                        + " letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63"
                        + " characters");
                return null;
            }
            return name;
        }
        if (name == null || !DNS_LABEL.matcher(name).matches()) {
            nameNode.get().error("found '" + name + "'; a " + what
                    + " name must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter"
                    + " or digit, at most 63 characters");
            return null;
        }
        return name;
    }

    private BuildSpec build(YamlCursor b) {
        b.warnUnknownKeys(BUILD);
        String context = b.text("context");
        if (context == null || context.isBlank()) {
            b.error("build.context is missing; it is the repository directory to build from, e.g. ./web");
            return null;
        }
        Map<String, String> args = b.get("args").map(this::envs).orElse(Map.of());
        return new BuildSpec(normalizeContext(context), Optional.ofNullable(b.text("dockerfile")).orElse("Dockerfile"),
                args, b.text("target"));
    }

    static String normalizeContext(String context) {
        String c = context.trim();
        while (c.startsWith("./")) {
            c = c.substring(2);
        }
        while (c.endsWith("/")) {
            c = c.substring(0, c.length() - 1);
        }
        return c.isEmpty() ? "." : c;
    }

    private List<PortSpec> ports(YamlCursor list) {
        List<PortSpec> ports = new ArrayList<>();
        for (YamlCursor p : list.items()) {
            p.warnUnknownKeys(PORT);
            String type = Optional.ofNullable(p.text("type")).orElse("container_port");
            switch (type) {
                case "container_port" -> {
                    Integer port = p.integer("port", 1, 65535);
                    if (port == null && p.get("port").isEmpty()) {
                        p.error("a container_port needs 'port' (1 to 65535)");
                    } else if (port != null) {
                        ports.add(new PortSpec(type, port, port));
                    }
                }
                case "node_port" -> {
                    Integer port = p.integer("port", 1, 65535);
                    Integer target = p.integer("target_port", 1, 65535);
                    if (port == null && target == null) {
                        p.error("a node_port needs 'target_port' (the container's port) and 'port' (the exposed one)");
                    } else {
                        ports.add(new PortSpec(type, target != null ? target : port, port != null ? port : target));
                    }
                }
                default -> p.get("type").orElse(p).error("found '" + type + "'; accepted: container_port, node_port");
            }
        }
        return ports;
    }

    private ProbeSpec probe(YamlCursor p) {
        p.warnUnknownKeys(PROBE);
        int period = Optional.ofNullable(p.integer("period_seconds", 1, 3600)).orElse(10);
        int timeout = Optional.ofNullable(p.integer("timeout_seconds", 1, 3600)).orElse(1);
        int failures = Optional.ofNullable(p.integer("failure_threshold", 1, 1000)).orElse(3);
        int delay = Optional.ofNullable(p.integer("initial_delay_seconds", 0, 3600)).orElse(0);
        List<String> kinds = List.of("exec", "http_get", "tcp_socket").stream().filter(k -> p.get(k).isPresent()).toList();
        if (kinds.size() != 1) {
            p.error("a probe needs exactly one of exec, http_get, tcp_socket; found "
                    + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
            return null;
        }
        YamlCursor body = p.get(kinds.get(0)).get();
        return switch (kinds.get(0)) {
            case "exec" -> {
                List<String> command = body.strings("command");
                if (command.isEmpty()) {
                    body.error("exec needs a command, e.g. command: [pg_isready]");
                }
                yield new ProbeSpec("exec", command, null, 0, period, timeout, failures, delay);
            }
            case "http_get" -> new ProbeSpec("http_get", List.of(), Optional.ofNullable(body.text("path")).orElse("/"),
                    requiredPort(body), period, timeout, failures, delay);
            default -> new ProbeSpec("tcp_socket", List.of(), null, requiredPort(body), period, timeout, failures, delay);
        };
    }

    private int requiredPort(YamlCursor c) {
        Integer port = c.integer("port", 1, 65535);
        if (port == null && c.get("port").isEmpty()) {
            c.error("a port (1 to 65535) is required");
        }
        return port == null ? 0 : port;
    }

    private ResourcesSpec resources(YamlCursor r) {
        r.warnUnknownKeys(Set.of("cpu", "memory", "replicas"));
        return merge(null, r.get("cpu").map(c -> quantities(c, "cpu")).orElse(null),
                r.get("memory").map(c -> quantities(c, "memory")).orElse(null));
    }

    /** requests and limits of cpu or memory, as a two-item array. */
    private String[] quantities(YamlCursor c, String what) {
        c.warnUnknownKeys(Set.of("requests", "limits"));
        String[] q = {quantity(c, "requests", what), quantity(c, "limits", what)};
        return q;
    }

    private String quantity(YamlCursor c, String key, String what) {
        Optional<YamlCursor> value = c.get(key);
        if (value.isEmpty()) {
            return null;
        }
        String text = value.get().text();
        if (text != null && !QUANTITY.matcher(text.trim()).matches()) {
            value.get().error("found '" + text + "'; a " + what + " quantity looks like "
                    + ("cpu".equals(what) ? "100m or 1" : "128Mi or 1Gi"));
            return null;
        }
        return text == null ? null : text.trim();
    }

    private static ResourcesSpec merge(ResourcesSpec defaults, String[] cpu, String[] memory) {
        String cpuRequest = pick(cpu, 0, defaults == null ? null : defaults.cpuRequest());
        String cpuLimit = pick(cpu, 1, defaults == null ? null : defaults.cpuLimit());
        String memRequest = pick(memory, 0, defaults == null ? null : defaults.memoryRequest());
        String memLimit = pick(memory, 1, defaults == null ? null : defaults.memoryLimit());
        if (cpuRequest == null && cpuLimit == null && memRequest == null && memLimit == null) {
            return null;
        }
        return new ResourcesSpec(cpuRequest, cpuLimit, memRequest, memLimit);
    }

    private static String pick(String[] values, int i, String fallback) {
        return values != null && values[i] != null ? values[i] : fallback;
    }

    private List<VolumeSpec> volumes(YamlCursor list, Optional<YamlCursor> storage) {
        List<VolumeSpec> volumes = new ArrayList<>();
        String defaultSize = storage.map(s -> s.text("size")).orElse(null);
        for (YamlCursor v : list.items()) {
            v.warnUnknownKeys(VOLUME);
            String type = Optional.ofNullable(v.text("type")).orElse("persistent");
            String mount = v.text("mount_path");
            if (mount == null || !mount.startsWith("/")) {
                v.error("mount_path is required and must be an absolute path, found '" + mount + "'");
            }
            if (!Set.of("persistent", "shmem", "claim").contains(type)) {
                v.get("type").orElse(v).error("found '" + type + "'; accepted: persistent, shmem, claim");
            }
            String claim = v.text("claim");
            if ("claim".equals(type) && claim == null) {
                v.error("a volume of type claim names the shared volume it claims: claim: <shared volume name>");
            }
            volumes.add(new VolumeSpec(v.text("name"), type, mount, Optional.ofNullable(v.text("size")).orElse(defaultSize),
                    claim));
        }
        return volumes;
    }

    /**
     * {@code app_imports}: each entry names another registered application ({@code name}), optionally the
     * {@code branch} to build it at and {@code exclude_services} (names, or mappings with a name, as Release writes
     * them). Whether the applications exist is the gateway's to check.
     */
    private List<ApplicationTemplate.AppImport> appImports(YamlCursor list, String self) {
        if (!list.isSequence()) {
            list.error("app_imports is a list of applications to import: - name: <application>");
            return List.of();
        }
        List<ApplicationTemplate.AppImport> imports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (YamlCursor i : list.items()) {
            if (!i.isMapping()) {
                i.error("expected an app import mapping with at least a name: - name: <application>");
                continue;
            }
            i.warnUnknownKeys(Set.of("name", "branch", "exclude_services"));
            String name = i.text("name");
            if (name == null || name.isBlank()) {
                i.error("an app import needs the name of the application it imports");
                continue;
            }
            if (!names.add(name)) {
                i.get("name").orElse(i).error("application '" + name + "' is imported twice; import each once");
            }
            if (name.equals(self)) {
                i.get("name").orElse(i).error("an application cannot import itself ('" + name + "')");
            }
            List<String> excluded = new ArrayList<>();
            i.get("exclude_services").ifPresent(e -> {
                if (!e.isSequence()) {
                    e.error("exclude_services is a list of service names: - name: <service>");
                    return;
                }
                for (YamlCursor x : e.items()) {
                    String service = x.isMapping() ? x.text("name") : x.text();
                    if (service == null || service.isBlank()) {
                        x.error("an excluded service is a name, or a mapping with a name");
                    } else {
                        excluded.add(service);
                    }
                }
            });
            String branch = i.text("branch");
            imports.add(new ApplicationTemplate.AppImport(name, branch == null || branch.isBlank() ? null : branch,
                    excluded, i.path(), i.line(), i.column()));
        }
        return imports;
    }

    private List<SharedVolumeSpec> sharedVolumes(YamlCursor list) {
        List<SharedVolumeSpec> volumes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (YamlCursor v : list.items()) {
            v.warnUnknownKeys(Set.of("name", "size", "type", "storage_class"));
            String name = name(v, "shared volume");
            if (name != null && !names.add(name)) {
                v.error("duplicate shared volume '" + name + "'");
            }
            volumes.add(new SharedVolumeSpec(name, v.text("size"),
                    Optional.ofNullable(v.text("storage_class")).orElse(v.text("type"))));
        }
        return volumes;
    }

    /**
     * {@code datasets}: the installation's datasets the environment checks a copy of out at setup, each as
     * {@code name} and {@code service} (the database service the copy is mounted into). Which datasets exist is the
     * installation's configuration, so a name is checked at setup, not here.
     */
    private List<DatasetSpec> datasets(YamlCursor list, List<ServiceSpec> services) {
        List<DatasetSpec> datasets = new ArrayList<>();
        if (!list.isSequence()) {
            list.error("expected a list of datasets, each with a name and the service that serves it");
            return datasets;
        }
        Set<String> names = new HashSet<>();
        Set<String> servedBy = new HashSet<>();
        Set<String> serviceNames = new java.util.TreeSet<>();
        services.forEach(s -> serviceNames.add(s.name()));
        for (YamlCursor d : list.items()) {
            if (!d.isMapping()) {
                d.error("expected a dataset mapping with a name and a service");
                continue;
            }
            d.warnUnknownKeys(Set.of("name", "service"));
            String name = name(d, "dataset");
            if (name == null) {
                continue;
            }
            if (!names.add(name)) {
                d.get("name").orElse(d).error("duplicate dataset '" + name + "'");
            }
            String service = d.text("service");
            if (service == null) {
                d.error("dataset '" + name + "' needs a service: the database service that serves its copy;"
                        + " services are " + serviceNames);
                continue;
            }
            if (!serviceNames.contains(service)) {
                d.get("service").orElse(d).error("dataset '" + name + "' is served by '" + service
                        + "', which is not a service; services are " + serviceNames);
                continue;
            }
            if (!servedBy.add(service)) {
                d.get("service").orElse(d).error("service '" + service + "' already serves another dataset; a"
                        + " database service serves one dataset");
                continue;
            }
            datasets.add(new DatasetSpec(name, service));
        }
        return datasets;
    }

    private List<JobSpec> jobs(YamlCursor list) {
        List<JobSpec> jobs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (YamlCursor j : list.items()) {
            j.warnUnknownKeys(JOB);
            String name = name(j, "job");
            if (name == null) {
                continue;
            }
            if (!names.add(name)) {
                j.error("duplicate job name '" + name + "'");
            }
            String from = j.text("from_services");
            String image = j.text("image");
            if ((from == null) == (image == null)) {
                j.error("job '" + name + "' needs exactly one of from_services (a service whose image it runs) or image");
            }
            int timeout = Optional.ofNullable(j.integer("completed_timeout", 1, 86_400)).orElse(600);
            jobs.add(new JobSpec(name, from, image, j.strings("command"), j.strings("args"),
                    j.get("envs").map(this::envs).orElse(Map.of()), timeout, j.bool("halt_on_error", true)));
        }
        return jobs;
    }

    private Map<String, WorkflowSpec> workflows(YamlCursor list) {
        Map<String, WorkflowSpec> workflows = new LinkedHashMap<>();
        for (YamlCursor w : list.items()) {
            w.warnUnknownKeys(Set.of("name", "order_from", "parallelize"));
            String name = w.text("name");
            if (name == null || !WORKFLOWS.contains(name)) {
                w.get("name").orElse(w).error("found workflow '" + name + "'; accepted: " + String.join(", ", WORKFLOWS));
                continue;
            }
            if (workflows.containsKey(name)) {
                w.error("workflow '" + name + "' is defined twice");
            }
            Optional<YamlCursor> serial = w.get("order_from");
            Optional<YamlCursor> parallel = w.get("parallelize");
            List<StepSpec> steps = new ArrayList<>();
            if (serial.isPresent() == parallel.isPresent()) {
                w.error("workflow '" + name + "' needs exactly one of order_from (tasks one after another) or "
                        + "parallelize (steps of parallel tasks)");
            } else if (serial.isPresent()) {
                List<String> tasks = serial.get().strings();
                for (int i = 0; i < tasks.size(); i++) {
                    steps.add(new StepSpec("step-" + i, List.of(tasks.get(i)), true, true));
                }
            } else {
                for (YamlCursor s : parallel.get().items()) {
                    s.warnUnknownKeys(STEP);
                    List<String> tasks = s.strings("tasks");
                    if (tasks.isEmpty()) {
                        s.error("a step needs at least one task");
                    }
                    steps.add(new StepSpec(Optional.ofNullable(s.text("step")).orElse("step-" + steps.size()), tasks,
                            s.bool("halt_on_error", true), s.bool("wait_for_finish", true)));
                }
            }
            workflows.put(name, new WorkflowSpec(name, steps));
        }
        return workflows;
    }

    private Map<String, String> hostnames(YamlCursor list) {
        Map<String, String> hostnames = new LinkedHashMap<>();
        for (YamlCursor h : list.items()) {
            Map<String, YamlCursor> entries = h.entries();
            if (entries.size() != 1) {
                h.error("each hostname is one 'service: pattern' pair, e.g. - web: web-${env_id}.${domain}");
                continue;
            }
            entries.forEach((service, pattern) -> hostnames.put(service, pattern.text()));
        }
        return hostnames;
    }

    /** Variables given as a list of {key, value} or as a mapping. */
    private Map<String, String> envs(YamlCursor c) {
        Map<String, String> envs = new LinkedHashMap<>();
        if (c.isMapping()) {
            c.entries().forEach((k, v) -> envs.put(k, v.isNull() ? "" : v.text()));
            return envs;
        }
        for (YamlCursor e : c.items()) {
            String key = e.text("key");
            if (key == null) {
                e.error("each variable is {key: NAME, value: VALUE}");
                continue;
            }
            envs.put(key, Optional.ofNullable(e.text("value")).orElse(""));
        }
        return envs;
    }

    private String expiry(YamlCursor c) {
        String text = c.text();
        if (text == null || text.equalsIgnoreCase("never")) {
            return null;
        }
        Matcher m = EXPIRY.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
            return d.toString();
        }
        try {
            return Duration.parse(text.trim()).toString();
        } catch (java.time.format.DateTimeParseException e) {
            c.error("found '" + text + "'; accepted: never, a number with d, h or m (3d, 12h), or ISO-8601 (P3D)");
            return null;
        }
    }

    private void checkReferences(List<ServiceSpec> services, List<JobSpec> jobs, Map<String, WorkflowSpec> workflows,
            List<SharedVolumeSpec> shared, Map<String, String> hostnames) {
        Set<String> serviceNames = new HashSet<>();
        services.forEach(s -> serviceNames.add(s.name()));
        Set<String> jobNames = new HashSet<>();
        jobs.forEach(j -> jobNames.add(j.name()));
        Set<String> sharedNames = new HashSet<>();
        shared.forEach(v -> sharedNames.add(v.name()));
        Set<String> infrastructure = new HashSet<>();
        root.get("infrastructure").ifPresent(i -> i.items().forEach(e -> infrastructure.add(e.text("name"))));

        YamlCursor servicesNode = top("services").orElse(root);
        List<YamlCursor> serviceItems = servicesNode.isSequence() ? servicesNode.items() : List.of();
        for (int i = 0; i < services.size() && i < serviceItems.size(); i++) {
            ServiceSpec s = services.get(i);
            YamlCursor node = serviceItems.stream().filter(n -> s.name().equals(n.text("name"))).findFirst()
                    .orElse(serviceItems.get(i));
            for (String dep : s.dependsOn()) {
                if (!serviceNames.contains(dep)) {
                    node.get("depends_on").orElse(node).error("depends_on names '" + dep
                            + "', which is not a service; services are " + sorted(serviceNames));
                }
            }
            for (VolumeSpec v : s.volumes()) {
                if ("claim".equals(v.type()) && v.claim() != null && !sharedNames.contains(v.claim())) {
                    node.get("volumes").orElse(node).error("volume claims shared volume '" + v.claim()
                            + "', which shared_volumes does not define; defined: " + sorted(sharedNames));
                }
            }
        }
        checkCycles(services, top("services").orElse(root));
        YamlCursor jobsNode = top("jobs").orElse(root);
        for (JobSpec j : jobs) {
            if (j.fromService() != null && !serviceNames.contains(j.fromService())) {
                jobsNode.error("job '" + j.name() + "' runs from_services '" + j.fromService()
                        + "', which is not a service; services are " + sorted(serviceNames));
            }
        }
        YamlCursor workflowsNode = top("workflows").orElse(root);
        for (WorkflowSpec w : workflows.values()) {
            for (StepSpec step : w.steps()) {
                for (String task : step.tasks()) {
                    checkTask(task, w.name(), step.name(), serviceNames, jobNames, infrastructure, workflowsNode);
                }
            }
        }
        for (String service : hostnames.keySet()) {
            if (!serviceNames.contains(service)) {
                top("hostnames").orElse(root).error("hostname for '" + service + "', which is not a service; services are "
                        + sorted(serviceNames));
            }
        }
    }

    private void checkTask(String task, String workflow, String step, Set<String> services, Set<String> jobs,
            Set<String> infrastructure, YamlCursor at) {
        String where = "workflow " + workflow + ", step " + step + ": task '" + task + "'";
        int dot = task.indexOf('.');
        String kind = dot < 0 ? task : task.substring(0, dot);
        String name = dot < 0 ? "" : task.substring(dot + 1);
        switch (kind) {
            case "services" -> {
                if (!name.equals("all") && !services.contains(name)) {
                    at.error(where + " names a service that does not exist; services are " + sorted(services));
                }
            }
            case "jobs" -> {
                if (!name.equals("all") && !jobs.contains(name)) {
                    at.error(where + " names a job that does not exist; jobs are " + sorted(jobs));
                }
            }
            case "release" -> {
                if (!name.equals("remove_environment")) {
                    at.error(where + " is not known; the release task is release.remove_environment");
                }
            }
            case "infrastructure" -> {
                if (!infrastructure.contains(name)) {
                    at.error(where + " names infrastructure that the template does not define");
                } else {
                    at.warn(where + ": infrastructure tasks are not run by Stagecraft and are skipped");
                }
            }
            default -> at.error(where + " is not known; accepted: services.<name>, services.all, jobs.<name>, "
                    + "jobs.all, release.remove_environment");
        }
    }

    private void checkCycles(List<ServiceSpec> services, YamlCursor at) {
        Map<String, List<String>> graph = new HashMap<>();
        services.forEach(s -> graph.put(s.name(), s.dependsOn()));
        Set<String> done = new HashSet<>();
        for (String start : graph.keySet()) {
            List<String> path = new ArrayList<>();
            if (cycle(start, graph, new HashSet<>(), done, path)) {
                String repeated = path.get(path.size() - 1);
                at.error("depends_on forms a cycle: "
                        + String.join(" -> ", path.subList(path.indexOf(repeated), path.size())));
                return;
            }
        }
    }

    private static boolean cycle(String node, Map<String, List<String>> graph, Set<String> onPath, Set<String> done,
            List<String> path) {
        if (onPath.contains(node)) {
            path.add(node);
            return true;
        }
        if (done.contains(node) || !graph.containsKey(node)) {
            return false;
        }
        onPath.add(node);
        path.add(node);
        for (String next : graph.get(node)) {
            if (cycle(next, graph, onPath, done, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        onPath.remove(node);
        done.add(node);
        return false;
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
