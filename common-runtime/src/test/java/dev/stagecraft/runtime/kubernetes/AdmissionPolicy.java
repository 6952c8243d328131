package dev.stagecraft.runtime.kubernetes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * A ValidatingAdmissionPolicy of deploy/kubernetes evaluated as the API server evaluates it, with the Common
 * Expression Language: its match conditions (all true, or the request is not the policy's), then its variables in
 * order, then its validations (all true, or the request is denied with the first failing one's message). Requests,
 * objects and old objects are given as JSON, as the API server hands them to CEL.
 */
final class AdmissionPolicy {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("request", SimpleType.DYN).addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN)
            .addVar("variables", SimpleType.DYN).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private final JsonNode spec;

    AdmissionPolicy(JsonNode policy) {
        this.spec = policy.path("spec");
    }

    /** Null when the policy admits the request, else the message it is denied with. */
    String denies(String username, String operation, String resource, String namespace, String object,
            String oldObject) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("userInfo", Map.of("username", username));
        request.put("operation", operation);
        request.put("resource", Map.of("group", "", "version", "v1", "resource", resource));
        request.put("namespace", namespace == null ? "" : namespace);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("request", request);
        input.put("object", object == null ? NullValue.NULL_VALUE : value(object));
        input.put("oldObject", oldObject == null ? NullValue.NULL_VALUE : value(oldObject));
        for (JsonNode condition : spec.path("matchConditions")) {
            if (!Boolean.TRUE.equals(eval(condition.path("expression").asText(), input))) {
                return null; // not the policy's request
            }
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        input.put("variables", variables);
        for (JsonNode variable : spec.path("variables")) {
            variables.put(variable.path("name").asText(), eval(variable.path("expression").asText(), input));
        }
        for (JsonNode validation : spec.path("validations")) {
            if (!Boolean.TRUE.equals(eval(validation.path("expression").asText(), input))) {
                return validation.path("message").asText();
            }
        }
        return null;
    }

    private static Object eval(String expression, Map<String, Object> input) {
        try {
            return RUNTIME.createProgram(COMPILER.compile(expression).getAst()).eval(input);
        } catch (Exception e) {
            throw new AssertionError("CEL expression failed: " + expression + ": " + e.getMessage(), e);
        }
    }

    /** JSON as CEL sees it: maps, lists, strings, booleans, int64 and double. */
    private static Object value(String json) {
        try {
            return value(JSON.readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(f -> map.put(f.getKey(), value(f.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(value(n)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isNull()) {
            return NullValue.NULL_VALUE;
        }
        return node.asText();
    }
}
