package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

class AsyncApiTest {

    @Test
    void asyncApiDescribesEveryMessageWithItsFieldsOnItsTopic() throws IOException {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/asyncapi.yaml")) {
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        for (MessageType type : MessageType.values()) {
            String name = type.javaType().getSimpleName();
            JsonNode message = doc.path("components").path("messages").path(name);
            assertEquals(type.ceType(), message.path("name").asText(), name + " is described with its ce_type");
            Set<String> documented = new HashSet<>();
            message.path("payload").path("properties").fieldNames().forEachRemaining(documented::add);
            Set<String> actual = new HashSet<>(Arrays.stream(type.javaType().getRecordComponents())
                    .map(RecordComponent::getName).toList());
            assertEquals(actual, documented, name + " payload fields");
            JsonNode channel = null;
            for (JsonNode c : doc.path("channels")) {
                if (type.topic().equals(c.path("address").asText())) {
                    channel = c;
                }
            }
            assertNotNull(channel, "a channel for " + type.topic());
            assertTrue(channel.path("messages").has(name), name + " is on " + type.topic());
        }
        for (Class<?> spec : List.of(EnvironmentSpec.class, ImageRef.class)) {
            assertDescribed(doc, spec);
        }
        for (Class<?> nested : EnvironmentSpec.class.getDeclaredClasses()) {
            assertDescribed(doc, nested);
        }
    }

    private static void assertDescribed(JsonNode doc, Class<?> record) {
        JsonNode schema = doc.path("components").path("schemas").path(record.getSimpleName());
        Set<String> documented = new HashSet<>();
        schema.path("properties").fieldNames().forEachRemaining(documented::add);
        Set<String> actual = new HashSet<>(Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName)
                .toList());
        assertEquals(actual, documented, record.getSimpleName() + " schema fields");
    }
}
