package dev.stagecraft.template;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.stagecraft.template.yaml.Problems;
import dev.stagecraft.template.yaml.SafeYaml;
import dev.stagecraft.template.yaml.YamlCursor;

/**
 * A Release-style Environment Variables Template: {@code defaults} for every service, {@code services.<name>} for one,
 * {@code mapping} of names to values with {@code ${VAR}} interpolation, and {@code environments.<template>} with the
 * same three keys for one environment template. Variables marked {@code secret: true} are listed in {@code secrets}.
 */
public record EnvironmentVariables(Map<String, String> defaults, Map<String, Map<String, String>> services,
        Map<String, String> mapping, Map<String, EnvironmentVariables> environments, Set<String> secrets) {

    public static final String FILE = "environment_variables.yaml";
    private static final Set<String> TOP = Set.of("defaults", "services", "mapping", "environments");

    public static EnvironmentVariables empty() {
        return new EnvironmentVariables(Map.of(), Map.of(), Map.of(), Map.of(), Set.of());
    }

    /** Reads {@code text}; blank text is an empty template. */
    public static Optional<EnvironmentVariables> parse(String text, Problems problems) {
        if (text == null || text.isBlank()) {
            return Optional.of(empty());
        }
        Optional<YamlCursor> root = SafeYaml.parse(FILE, text, problems);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        // entries in error are left out, so the rest can still be checked and every error reported at once
        return Optional.of(read(root.get(), true));
    }

    private static EnvironmentVariables read(YamlCursor c, boolean top) {
        c.warnUnknownKeys(top ? TOP : Set.of("defaults", "services", "mapping"));
        Set<String> secrets = new LinkedHashSet<>();
        Map<String, String> defaults = c.get("defaults").map(d -> list(d, secrets)).orElse(Map.of());
        Map<String, Map<String, String>> services = new LinkedHashMap<>();
        c.get("services").ifPresent(s -> s.entries().forEach((name, list) -> services.put(name, list(list, secrets))));
        Map<String, String> mapping = new LinkedHashMap<>();
        c.get("mapping").ifPresent(m -> m.entries().forEach((k, v) -> mapping.put(k, v.isNull() ? "" : v.text())));
        Map<String, EnvironmentVariables> environments = new LinkedHashMap<>();
        if (top) {
            c.get("environments").ifPresent(e -> e.entries().forEach((name, body) -> environments.put(name,
                    read(body, false))));
        }
        environments.values().forEach(e -> secrets.addAll(e.secrets()));
        return new EnvironmentVariables(defaults, services, mapping, environments, secrets);
    }

    private static Map<String, String> list(YamlCursor list, Set<String> secrets) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (YamlCursor e : list.items()) {
            e.warnUnknownKeys(Set.of("key", "value", "secret"));
            String key = e.text("key");
            if (key == null || !key.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
                e.error("each variable is {key: NAME, value: VALUE}; found key '" + key + "'");
                continue;
            }
            vars.put(key, Optional.ofNullable(e.text("value")).orElse(""));
            if (e.bool("secret", false)) {
                secrets.add(key);
            }
        }
        return vars;
    }

    public static final String MASK = "'********'";

    /** {@code text} with the value of every {@code secret: true} variable replaced by a mask, the rest unchanged. */
    public static String masked(String text) {
        if (text == null || text.isBlank()) {
            return text;
        }
        Optional<YamlCursor> root = SafeYaml.parse(FILE, text, new Problems());
        if (root.isEmpty()) {
            return "# not shown: the template is not valid YAML\n";
        }
        List<int[]> ranges = new java.util.ArrayList<>();
        List<YamlCursor> lists = new java.util.ArrayList<>();
        collectLists(root.get(), lists);
        root.get().get("environments").ifPresent(e -> e.entries().values().forEach(env -> collectLists(env, lists)));
        for (YamlCursor list : lists) {
            for (YamlCursor entry : list.items()) {
                if (entry.isMapping() && entry.bool("secret", false)) {
                    entry.get("value").ifPresent(v -> ranges.add(new int[] {v.startIndex(), v.endIndex()}));
                }
            }
        }
        ranges.sort((a, b) -> Integer.compare(b[0], a[0]));
        StringBuilder out = new StringBuilder(text);
        for (int[] range : ranges) {
            out.replace(range[0], range[1], MASK);
        }
        return out.toString();
    }

    private static void collectLists(YamlCursor level, List<YamlCursor> into) {
        if (!level.isMapping()) {
            return;
        }
        level.get("defaults").filter(YamlCursor::isSequence).ifPresent(into::add);
        level.get("services").filter(YamlCursor::isMapping).ifPresent(s -> s.entries().values().stream()
                .filter(YamlCursor::isSequence).forEach(into::add));
    }

    /** The variables of {@code service} in environment template {@code template}, lowest precedence first. */
    public List<Map<String, String>> layers(String service, String template) {
        EnvironmentVariables specific = template == null ? null : environments.get(template);
        return java.util.stream.Stream.of(defaults, services.getOrDefault(service, Map.of()),
                specific == null ? Map.<String, String>of() : specific.defaults(),
                specific == null ? Map.<String, String>of() : specific.services().getOrDefault(service, Map.of()))
                .toList();
    }
}
