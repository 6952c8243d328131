package dev.stagecraft.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.template.yaml.Problems;
import dev.stagecraft.template.yaml.SafeYaml;
import dev.stagecraft.template.yaml.YamlCursor;

/**
 * Imports a docker-compose file as a Release-style Application Template: services, build (context, dockerfile,
 * args, target), image, ports and expose, environment and env_file, command and entrypoint, depends_on (conditions
 * become "ready first"), healthcheck as readiness probe, named volumes as volumes (shared_volumes when several
 * services mount one). Setup, patch and teardown workflows are generated, dependencies first. Profiles, bind mounts
 * and every other unsupported key are left out with a warning naming them.
 */
public final class ComposeImporter {

    public static final String FILE = "compose.yaml";
    private static final Set<String> SERVICE_KEYS = Set.of("image", "build", "ports", "expose", "environment",
            "env_file", "command", "entrypoint", "depends_on", "healthcheck", "volumes", "profiles");
    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");

    private ComposeImporter() {
    }

    /**
     * The generated template (YAML text), the warnings, and where in the compose file each part of the template came
     * from: template path (as the compiler names it, e.g. {@code services[0].ports[1]}) to compose position.
     */
    public record Imported(String template, List<TemplateProblem> warnings, Map<String, Origin> origins) {

        /**
         * The problems the compiler found in the generated template, moved to the compose file: each at the line and
         * column of the compose value its part of the template came from (the longest known prefix of its path),
         * saying which part of the template it was. Problems of other files are kept as they are.
         */
        public List<TemplateProblem> relocate(List<TemplateProblem> problems) {
            return problems.stream().map(this::relocate).toList();
        }

        private TemplateProblem relocate(TemplateProblem p) {
            if (!ApplicationTemplateParser.FILE.equals(p.file())) {
                return p;
            }
            String path = p.path() == null ? "" : p.path();
            Origin best = null;
            String bestPath = "";
            for (Map.Entry<String, Origin> e : origins.entrySet()) {
                String key = e.getKey();
                boolean prefix = path.equals(key) || path.startsWith(key) && (path.charAt(key.length()) == '.'
                        || path.charAt(key.length()) == '[');
                if (prefix && key.length() > bestPath.length()) {
                    best = e.getValue();
                    bestPath = key;
                }
            }
            String said = p.message() + " (in the template generated from this file, at " + (path.isEmpty() ? "$" : path)
                    + ")";
            return best == null ? new TemplateProblem(p.severity(), FILE, 0, 0, "$", said)
                    : new TemplateProblem(p.severity(), FILE, best.line(), best.column(), best.path(), said);
        }
    }

    /** A position in the compose file: its path there, line and column from 1. */
    public record Origin(String path, int line, int column) {

        static Origin of(YamlCursor at) {
            return new Origin(at.path(), at.line(), at.column());
        }
    }

    /** Whether {@code text} looks like a compose file: {@code services} is a mapping (in Release it is a list). */
    public static boolean looksLikeCompose(String text) {
        Problems ignored = new Problems();
        return SafeYaml.parse(FILE, text, ignored).flatMap(root -> root.get("services")).map(YamlCursor::isMapping)
                .orElse(false);
    }

    /**
     * @param files reads a file of the repository (for env_file) or returns empty when there is no repository at hand
     * @throws InvalidTemplateException with every error found
     */
    public static Imported toTemplate(String compose, Function<String, Optional<String>> files) {
        return toTemplate(compose, files, EnvironmentVariables.empty());
    }

    /**
     * As {@link #toTemplate(String, Function)}, interpolating {@code ${VAR}} and its forms in every value of the file
     * (see {@link ComposeInterpolation}) with the application's environment variables.
     */
    public static Imported toTemplate(String compose, Function<String, Optional<String>> files,
            EnvironmentVariables variables) {
        Problems problems = new Problems();
        Optional<YamlCursor> root = SafeYaml.parse(FILE, compose, problems)
                .map(r -> r.rewriting(new ComposeInterpolation(variables.defaults(), variables.secrets())));
        if (root.isEmpty()) {
            throw new InvalidTemplateException(problems.errors(), problems.warnings());
        }
        Map<String, Origin> origins = new LinkedHashMap<>();
        Map<String, Object> template = new LinkedHashMap<>();
        Optional<YamlCursor> services = root.get().get("services");
        if (services.isEmpty() || !services.get().isMapping()) {
            root.get().error("a compose file has a 'services' mapping of service name to service");
            throw new InvalidTemplateException(problems.errors(), problems.warnings());
        }
        root.get().entries().keySet().stream().filter(k -> !Set.of("services", "volumes", "version", "name").contains(k))
                .forEach(k -> root.get().get(k).ifPresent(c -> c.warn("top-level '" + k + "' is not imported")));

        Map<String, String> names = new LinkedHashMap<>();
        services.get().entries().forEach((name, body) -> names.put(name, serviceName(name, body)));
        Map<String, Set<String>> volumeUsers = volumeUsers(services.get());
        List<Map<String, Object>> serviceList = new ArrayList<>();
        Map<String, List<String>> dependencies = new LinkedHashMap<>();
        Set<String> shared = new LinkedHashSet<>();
        services.get().entries().forEach((composeName, body) -> {
            if (body.get("profiles").isPresent()) {
                body.warn("service '" + composeName + "' has profiles " + body.strings("profiles")
                        + ": it only starts when a profile is chosen, so it is not imported");
                return;
            }
            String at = "services[" + serviceList.size() + "]";
            origins.put(at, Origin.of(body));
            Map<String, Object> service = service(names.get(composeName), body, names, volumeUsers, shared, files,
                    (key, cursor) -> origins.put(at + "." + key, Origin.of(cursor)));
            serviceList.add(service);
            @SuppressWarnings("unchecked")
            List<String> deps = (List<String>) service.getOrDefault("depends_on", List.of());
            dependencies.put(names.get(composeName), deps);
        });
        if (!shared.isEmpty()) {
            List<Map<String, Object>> sharedVolumes = new ArrayList<>();
            shared.forEach(v -> sharedVolumes.add(new LinkedHashMap<>(Map.of("name", v))));
            template.put("shared_volumes", sharedVolumes);
        }
        template.put("services", serviceList);
        template.put("workflows", workflows(dependencies));
        if (problems.hasErrors()) {
            throw new InvalidTemplateException(problems.errors(), problems.warnings());
        }
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndicatorIndent(0);
        String yaml = "# generated from a docker-compose file by Stagecraft\n" + new Yaml(options).dump(template);
        return new Imported(yaml, problems.warnings(), Map.copyOf(origins));
    }

    private static String serviceName(String composeName, YamlCursor at) {
        String name = composeName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("(^-+|-+$)", "");
        if (!name.isEmpty() && !Character.isLetter(name.charAt(0))) {
            name = "s-" + name; // a Kubernetes Service name starts with a letter
        }
        if (name.length() > 63) {
            name = name.substring(0, 63);
        }
        if (!name.equals(composeName)) {
            at.warn("service '" + composeName + "' is named '" + name + "': names must be DNS labels");
        }
        return name;
    }

    private static Map<String, Set<String>> volumeUsers(YamlCursor services) {
        Map<String, Set<String>> users = new HashMap<>();
        services.entries().forEach((name, body) -> body.get("volumes").ifPresent(list -> list.items().forEach(v -> {
            String source = v.isScalar() ? v.text().split(":")[0] : v.text("source");
            if (source != null && !source.startsWith(".") && !source.startsWith("/") && !source.startsWith("~")) {
                users.computeIfAbsent(source, k -> new LinkedHashSet<>()).add(name);
            }
        })));
        return users;
    }

    private static Map<String, Object> service(String name, YamlCursor body, Map<String, String> names,
            Map<String, Set<String>> volumeUsers, Set<String> shared, Function<String, Optional<String>> files,
            java.util.function.BiConsumer<String, YamlCursor> origin) {
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("name", name);
        body.entries().keySet().stream().filter(k -> !SERVICE_KEYS.contains(k)).forEach(k -> body.get(k)
                .ifPresent(c -> c.warn("'" + k + "' of service '" + name + "' is not imported")));
        body.get("image").ifPresent(c -> origin.accept("image", c));
        Optional.ofNullable(body.text("image")).ifPresent(image -> service.put("image", image));
        body.get("build").ifPresent(b -> {
            origin.accept("build", b);
            service.put("build", build(b));
        });
        if (!service.containsKey("image") && !service.containsKey("build")) {
            body.error("service '" + name + "' has neither image nor build");
        }
        List<Map<String, Object>> ports = new ArrayList<>();
        body.get("ports").ifPresent(list -> list.items().forEach(p -> port(p).ifPresent(port -> {
            origin.accept("ports[" + ports.size() + "]", p);
            ports.add(port);
        })));
        body.get("expose").ifPresent(list -> list.items().forEach(p -> {
            String text = p.text();
            if (text != null) {
                origin.accept("ports[" + ports.size() + "]", p);
                ports.add(new LinkedHashMap<>(Map.of("type", "container_port", "port", text.split("/")[0])));
            }
        }));
        if (!ports.isEmpty()) {
            service.put("ports", ports);
        }
        Map<String, String> envs = new LinkedHashMap<>();
        body.get("env_file").ifPresent(f -> f.strings().forEach(file -> envFile(file, f, files, envs)));
        body.get("environment").ifPresent(e -> {
            origin.accept("envs", e);
            environment(e, envs);
        });
        if (!envs.isEmpty()) {
            List<Map<String, String>> list = new ArrayList<>();
            envs.forEach((k, v) -> list.add(new LinkedHashMap<>(Map.of("key", k, "value", v))));
            service.put("envs", list);
        }
        body.get("entrypoint").ifPresent(e -> {
            origin.accept("command", e);
            service.put("command", words(e));
        });
        body.get("command").ifPresent(c -> {
            origin.accept("args", c);
            service.put("args", words(c));
        });
        body.get("depends_on").ifPresent(d -> origin.accept("depends_on", d));
        body.get("healthcheck").ifPresent(h -> origin.accept("readiness_probe", h));
        List<String> deps = new ArrayList<>();
        body.get("depends_on").ifPresent(d -> {
            Iterable<String> targets = d.isMapping() ? d.entries().keySet() : d.strings();
            for (String target : targets) {
                if (!names.containsKey(target)) {
                    d.error("depends_on names '" + target + "', which is not a service of this file");
                } else {
                    deps.add(names.get(target));
                }
            }
        });
        if (!deps.isEmpty()) {
            service.put("depends_on", deps);
        }
        body.get("healthcheck").flatMap(ComposeImporter::probe).ifPresent(p -> service.put("readiness_probe", p));
        List<Map<String, Object>> volumes = new ArrayList<>();
        body.get("volumes").ifPresent(list -> list.items().forEach(v -> volume(v, name, volumeUsers, shared)
                .ifPresent(volume -> {
                    origin.accept("volumes[" + volumes.size() + "]", v);
                    volumes.add(volume);
                })));
        if (!volumes.isEmpty()) {
            service.put("volumes", volumes);
        }
        return service;
    }

    private static Map<String, Object> build(YamlCursor b) {
        Map<String, Object> build = new LinkedHashMap<>();
        if (b.isScalar()) {
            build.put("context", b.text());
            return build;
        }
        build.put("context", Optional.ofNullable(b.text("context")).orElse("."));
        Optional.ofNullable(b.text("dockerfile")).ifPresent(d -> build.put("dockerfile", d));
        b.get("args").ifPresent(a -> {
            Map<String, String> args = new LinkedHashMap<>();
            environment(a, args);
            List<Map<String, String>> list = new ArrayList<>();
            args.forEach((k, v) -> list.add(new LinkedHashMap<>(Map.of("key", k, "value", v))));
            build.put("args", list);
        });
        Optional.ofNullable(b.text("target")).ifPresent(t -> build.put("target", t));
        b.entries().keySet().stream().filter(k -> !Set.of("context", "dockerfile", "args", "target").contains(k))
                .forEach(k -> b.get(k).ifPresent(c -> c.warn("build." + k + " is not imported")));
        return build;
    }

    private static Optional<Map<String, Object>> port(YamlCursor p) {
        String target;
        String published;
        if (p.isMapping()) {
            target = p.text("target");
            published = p.text("published");
        } else {
            String text = p.text();
            if (text == null) {
                return Optional.empty();
            }
            String[] parts = text.split("/")[0].split(":");
            target = parts[parts.length - 1];
            published = parts.length >= 2 ? parts[parts.length - 2] : null;
            if (target.contains("-")) {
                p.warn("port range '" + text + "' is not imported; list the ports one by one");
                return Optional.empty();
            }
        }
        if (target == null) {
            p.error("a port needs a target (the container's port)");
            return Optional.empty();
        }
        Map<String, Object> port = new LinkedHashMap<>();
        if (published != null && !published.isBlank()) {
            port.put("type", "node_port");
            port.put("target_port", target);
            port.put("port", published);
        } else {
            port.put("type", "container_port");
            port.put("port", target);
        }
        return Optional.of(port);
    }

    private static void environment(YamlCursor e, Map<String, String> into) {
        if (e.isMapping()) {
            e.entries().forEach((k, v) -> into.put(k, v.isNull() ? "" : v.text()));
            return;
        }
        for (YamlCursor item : e.items()) {
            String text = item.text();
            if (text == null) {
                continue;
            }
            int eq = text.indexOf('=');
            if (eq < 0) {
                item.warn("'" + text + "' takes its value from the host running compose; set it in the environment"
                        + " variables template instead");
                continue;
            }
            into.put(text.substring(0, eq), text.substring(eq + 1));
        }
    }

    private static void envFile(String file, YamlCursor at, Function<String, Optional<String>> files,
            Map<String, String> into) {
        Optional<String> content = files.apply(file);
        if (content.isEmpty()) {
            at.warn("env_file '" + file + "' is not at hand here; add its variables to the environment variables "
                    + "template");
            return;
        }
        for (String line : content.get().split("\n")) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq < 0) {
                continue;
            }
            String value = l.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            into.put(l.substring(0, eq).strip(), value);
        }
    }

    private static Optional<Map<String, Object>> probe(YamlCursor h) {
        if (h.bool("disable", false)) {
            return Optional.empty();
        }
        Optional<YamlCursor> test = h.get("test");
        if (test.isEmpty()) {
            return Optional.empty();
        }
        List<String> command = test.get().strings();
        if (test.get().isScalar()) {
            command = List.of("sh", "-c", command.get(0));
        } else if (!command.isEmpty() && command.get(0).equals("CMD-SHELL")) {
            command = List.of("sh", "-c", String.join(" ", command.subList(1, command.size())));
        } else if (!command.isEmpty() && command.get(0).equals("CMD")) {
            command = command.subList(1, command.size());
        } else if (!command.isEmpty() && command.get(0).equals("NONE")) {
            return Optional.empty();
        }
        Map<String, Object> probe = new LinkedHashMap<>();
        probe.put("exec", new LinkedHashMap<>(Map.of("command", command)));
        seconds(h, "interval").ifPresent(s -> probe.put("period_seconds", s));
        seconds(h, "timeout").ifPresent(s -> probe.put("timeout_seconds", s));
        h.get("retries").map(r -> r.integer(1, 1000)).ifPresent(r -> probe.put("failure_threshold", r));
        seconds(h, "start_period").ifPresent(s -> probe.put("initial_delay_seconds", s));
        return Optional.of(probe);
    }

    private static Optional<Integer> seconds(YamlCursor h, String key) {
        String text = h.text(key);
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches() || text.isBlank()) {
            h.get(key).get().warn("duration '" + text + "' is not understood (e.g. 10s, 1m30s); left out");
            return Optional.empty();
        }
        long total = group(m, 1) * 3600 + group(m, 2) * 60 + group(m, 3) + (group(m, 4) + 999) / 1000;
        return Optional.of((int) Math.max(1, total));
    }

    private static long group(Matcher m, int i) {
        return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
    }

    private static Optional<Map<String, Object>> volume(YamlCursor v, String service,
            Map<String, Set<String>> users, Set<String> shared) {
        String source;
        String target;
        String type;
        if (v.isScalar()) {
            String[] parts = v.text().split(":");
            source = parts.length > 1 ? parts[0] : null;
            target = parts.length > 1 ? parts[1] : parts[0];
            type = source == null ? "volume" : (source.startsWith(".") || source.startsWith("/") || source.startsWith("~")
                    ? "bind" : "volume");
        } else {
            source = v.text("source");
            target = v.text("target");
            type = Optional.ofNullable(v.text("type")).orElse("volume");
        }
        switch (type) {
            case "bind" -> {
                v.warn("bind mount of '" + source + "' into service '" + service + "' is not imported: an environment has"
                        + " no host directory; build the file into the image or use a config job");
                return Optional.empty();
            }
            case "tmpfs" -> {
                return Optional.of(new LinkedHashMap<>(Map.of("name", "tmp-" + shortName(target), "type", "shmem",
                        "mount_path", target)));
            }
            case "volume" -> {
                String name = source == null ? "anon-" + shortName(target) : dnsName(source);
                if (source != null && users.getOrDefault(source, Set.of()).size() > 1) {
                    shared.add(name);
                    return Optional.of(new LinkedHashMap<>(Map.of("name", name, "type", "claim", "claim", name,
                            "mount_path", target)));
                }
                return Optional.of(new LinkedHashMap<>(Map.of("name", name, "type", "persistent", "mount_path", target)));
            }
            default -> {
                v.warn("volume type '" + type + "' is not imported");
                return Optional.empty();
            }
        }
    }

    private static String dnsName(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("(^-+|-+$)", "");
    }

    private static String shortName(String path) {
        String name = dnsName(path);
        return name.isEmpty() ? "root" : name;
    }

    private static List<String> words(YamlCursor c) {
        if (!c.isScalar()) {
            return c.strings();
        }
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(c.text());
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return words;
    }

    private static List<Map<String, Object>> workflows(Map<String, List<String>> dependencies) {
        List<ServiceSpec> services = new ArrayList<>();
        dependencies.forEach((name, deps) -> services.add(new ServiceSpec(name, "x", null, 0, Map.of(), List.of(),
                List.of(), List.of(), null, null, null, 1, List.of(), deps)));
        List<Map<String, Object>> workflows = new ArrayList<>();
        for (String name : List.of("setup", "patch")) {
            // a fresh list each: a shared one would be written as a YAML alias
            List<Map<String, Object>> steps = new ArrayList<>();
            TemplateCompiler.dependencyLayers(services).forEach(step -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("step", step.name());
                s.put("tasks", new ArrayList<>(step.tasks()));
                steps.add(s);
            });
            Map<String, Object> workflow = new LinkedHashMap<>();
            workflow.put("name", name);
            workflow.put("parallelize", steps);
            workflows.add(workflow);
        }
        workflows.add(new LinkedHashMap<>(Map.of("name", "teardown", "parallelize", List.of(new LinkedHashMap<>(Map.of(
                "step", "remove-environment", "tasks", List.of("release.remove_environment")))))));
        return workflows;
    }
}
