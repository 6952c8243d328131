package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/** The JSON Schemas in the repository accept what the parser accepts and refuse what it refuses, on the same inputs. */
class JsonSchemaTest {

    private static final Path FIXTURES = Path.of("../../shared/fixtures");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonSchema schema(String name) throws IOException {
        try (InputStream in = JsonSchemaTest.class.getResourceAsStream("/schema/" + name)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    private static Set<ValidationMessage> validate(JsonSchema schema, String yaml) throws IOException {
        JsonNode node = YAML.readTree(yaml);
        return schema.validate(node);
    }

    private static List<Path> fixtures(String dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(FIXTURES.resolve(dir))) {
            return files.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void everyTemplateFixtureAndEveryImportedComposeFileMatchesTheSchemaAndParses() throws IOException {
        JsonSchema templates = schema("application_template.schema.json");
        JsonSchema variables = schema("environment_variables.schema.json");
        for (Path p : fixtures("release-templates", "application_template.yaml")) {
            String text = Files.readString(p);
            assertEquals(Set.of(), validate(templates, text), p.toString());
            TemplateCompiler.compile("fixture", text, null, new TemplateCompiler.Context("e", "b", "ephemeral"));
        }
        for (Path p : fixtures("release-templates", "environment_variables.yaml")) {
            assertEquals(Set.of(), validate(variables, Files.readString(p)), p.toString());
        }
        for (Path p : fixtures("compose", ".yaml")) {
            String generated = ComposeImporter.toTemplate(Files.readString(p), f -> Optional.empty()).template();
            assertEquals(Set.of(), validate(templates, generated), p + " generated:\n" + generated);
        }
    }

    @Test
    void invalidTemplatesAreRefusedByTheSchemaAndByTheParser() throws IOException {
        JsonSchema templates = schema("application_template.schema.json");
        for (String invalid : List.of(
                "services:\n- name: Web_1\n  image: x\n",
                "services:\n- name: web\n",
                "services:\n- name: web\n  image: x\n  ports:\n  - type: load_balancer\n    port: '80'\n",
                "services:\n- name: web\n  image: x\nworkflows:\n- name: deploy\n  order_from: [services.web]\n",
                "services:\n- name: web\n  image: x\nworkflows:\n- name: setup\n  order_from: [lambdas.web]\n",
                "app: x\n")) {
            assertFalse(validate(templates, invalid).isEmpty(), "schema accepts:\n" + invalid);
            assertThrows(InvalidTemplateException.class, () -> TemplateCompiler.compile("a", invalid, null), invalid);
        }
        assertTrue(validate(templates, "services:\n- name: web\n  image: x\n  colour: blue\n").isEmpty(),
                "unknown keys are allowed, as the parser only warns about them");
    }
}
