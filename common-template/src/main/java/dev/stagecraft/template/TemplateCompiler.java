package dev.stagecraft.template;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.BuildSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;

/**
 * Compiles a Release-style Application Template (and optionally its Environment Variables Template) into an
 * {@link EnvironmentSpec}. This is the seam every template format goes through; today it reads the services part of
 * the Release format: {@code name}, {@code image}, {@code build {context, dockerfile}}, {@code ports}, {@code envs}.
 */
public final class TemplateCompiler {

    public static final String APPLICATION_TEMPLATE = "application_template.yaml";
    public static final String ENVIRONMENT_VARIABLES = "environment_variables.yaml";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final int MAX_TEMPLATE_CHARS = 512 * 1024;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private TemplateCompiler() {
    }

    /**
     * @param application         the application's name
     * @param applicationTemplate YAML text of the Application Template
     * @param environmentVariables YAML text of the Environment Variables Template, or null
     * @throws InvalidTemplateException listing every problem found
     */
    public static EnvironmentSpec compile(String application, String applicationTemplate, String environmentVariables) {
        List<TemplateProblem> problems = new ArrayList<>();
        JsonNode root = parse(APPLICATION_TEMPLATE, applicationTemplate, problems);
        JsonNode vars = environmentVariables == null || environmentVariables.isBlank() ? null
                : parse(ENVIRONMENT_VARIABLES, environmentVariables, problems);
        if (!problems.isEmpty()) {
            throw new InvalidTemplateException(problems);
        }
        Map<String, String> defaults = keyValues(vars == null ? null : vars.get("defaults"), "defaults", problems);
        JsonNode serviceVars = vars == null ? null : vars.get("services");
        List<ServiceSpec> services = new ArrayList<>();
        JsonNode servicesNode = root.get("services");
        if (servicesNode == null || !servicesNode.isArray() || servicesNode.isEmpty()) {
            problems.add(new TemplateProblem(APPLICATION_TEMPLATE, "services",
                    "expected a list of at least one service, found " + describe(servicesNode)));
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < servicesNode.size(); i++) {
                ServiceSpec service = service(servicesNode.get(i), "services[" + i + "]", serviceVars, problems);
                if (service != null && !names.add(service.name())) {
                    problems.add(new TemplateProblem(APPLICATION_TEMPLATE, "services[" + i + "].name",
                            "duplicate service name '" + service.name() + "'; service names must be unique"));
                }
                if (service != null) {
                    services.add(service);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidTemplateException(problems);
        }
        return new EnvironmentSpec(application, services, defaults);
    }

    private static JsonNode parse(String file, String text, List<TemplateProblem> problems) {
        if (text == null || text.isBlank()) {
            problems.add(new TemplateProblem(file, "$", "the template is empty; a YAML mapping with 'services' is expected"));
            return null;
        }
        if (text.length() > MAX_TEMPLATE_CHARS) {
            problems.add(new TemplateProblem(file, "$", "the template has " + text.length()
                    + " characters; at most " + MAX_TEMPLATE_CHARS + " are accepted"));
            return null;
        }
        try {
            JsonNode node = YAML.readTree(text);
            if (node == null || !node.isObject()) {
                problems.add(new TemplateProblem(file, "$", "expected a YAML mapping at the top, found " + describe(node)));
                return null;
            }
            return node;
        } catch (JsonProcessingException e) {
            var location = e.getLocation();
            String where = location == null ? "$" : "line " + location.getLineNr() + ", column " + location.getColumnNr();
            problems.add(new TemplateProblem(file, where, "not valid YAML: " + e.getOriginalMessage()));
            return null;
        }
    }

    private static ServiceSpec service(JsonNode node, String path, JsonNode serviceVars, List<TemplateProblem> problems) {
        if (!node.isObject()) {
            problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path, "expected a mapping, found " + describe(node)));
            return null;
        }
        String name = node.path("name").asText(null);
        if (name == null || !DNS_LABEL.matcher(name).matches()) {
            problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path + ".name", "found " + describe(node.get("name"))
                    + "; a service name must be a DNS label: lower-case letters, digits and '-', at most 63 characters"));
            return null;
        }
        BuildSpec build = null;
        JsonNode buildNode = node.get("build");
        if (buildNode != null) {
            String context = buildNode.path("context").asText(null);
            if (context == null || context.isBlank()) {
                problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path + ".build.context",
                        "missing; a build needs the repository directory to build from, e.g. ./web"));
            } else {
                build = new BuildSpec(normalizeContext(context), buildNode.path("dockerfile").asText("Dockerfile"));
            }
        }
        String image = node.path("image").asText(null);
        if (buildNode == null && (image == null || image.isBlank())) {
            problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path,
                    "service '" + name + "' has neither 'build' nor 'image'; one of them is required"));
        }
        int port = port(node.get("ports"), path + ".ports", problems);
        Map<String, String> envs = new LinkedHashMap<>(keyValues(node.get("envs"), path + ".envs", problems));
        if (serviceVars != null && serviceVars.has(name)) {
            envs.putAll(keyValues(serviceVars.get(name), "services." + name, problems));
        }
        return new ServiceSpec(name, build == null ? image : null, build, port, envs);
    }

    private static String normalizeContext(String context) {
        String c = context.trim();
        while (c.startsWith("./")) {
            c = c.substring(2);
        }
        if (c.endsWith("/")) {
            c = c.substring(0, c.length() - 1);
        }
        return c.isEmpty() ? "." : c;
    }

    /** The port the service listens on: {@code target_port} of a node_port, {@code port} of a container_port. */
    private static int port(JsonNode ports, String path, List<TemplateProblem> problems) {
        if (ports == null || !ports.isArray() || ports.isEmpty()) {
            return 0;
        }
        JsonNode first = ports.get(0);
        String type = first.path("type").asText("container_port");
        String raw = switch (type) {
            case "node_port" -> first.path("target_port").asText(first.path("port").asText(null));
            case "container_port" -> first.path("port").asText(null);
            default -> {
                problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path + "[0].type",
                        "found '" + type + "'; accepted: container_port, node_port"));
                yield null;
            }
        };
        if (raw == null) {
            return 0;
        }
        try {
            int port = Integer.parseInt(raw.trim());
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            problems.add(new TemplateProblem(APPLICATION_TEMPLATE, path + "[0]", "found port '" + raw
                    + "'; a port is a number from 1 to 65535"));
            return 0;
        }
    }

    private static Map<String, String> keyValues(JsonNode list, String path, List<TemplateProblem> problems) {
        Map<String, String> result = new LinkedHashMap<>();
        if (list == null || list.isNull()) {
            return result;
        }
        if (!list.isArray()) {
            problems.add(new TemplateProblem(ENVIRONMENT_VARIABLES, path,
                    "expected a list of {key, value}, found " + describe(list)));
            return result;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String key = entry.path("key").asText(null);
            if (key == null || key.isBlank()) {
                problems.add(new TemplateProblem(ENVIRONMENT_VARIABLES, path + "[" + i + "].key",
                        "missing; each variable is {key: NAME, value: VALUE}"));
                continue;
            }
            result.put(key, entry.path("value").asText(""));
        }
        return result;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        return node.getNodeType().name().toLowerCase() + (node.isValueNode() ? " '" + node.asText() + "'" : "");
    }
}
