package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class InterpolationTest {

    /** Builds random texts from literal parts and references, computing the expected result independently. */
    @Test
    void manyGeneratedTextsInterpolateAsSpecified() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            Map<String, String> values = new HashMap<>();
            int count = random.nextInt(5);
            for (int i = 0; i < count; i++) {
                values.put("V" + i, random.nextBoolean() ? "" : "val" + random.nextInt(100));
            }
            StringBuilder text = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            List<String> unknown = new ArrayList<>();
            List<String> expectedUnknown = new ArrayList<>();
            int parts = 1 + random.nextInt(6);
            for (int p = 0; p < parts; p++) {
                switch (random.nextInt(5)) {
                    case 0 -> {
                        String literal = "lit-" + random.nextInt(10) + "/:";
                        text.append(literal);
                        expected.append(literal);
                    }
                    case 1 -> {
                        text.append("$$");
                        expected.append("$");
                    }
                    case 2 -> {
                        String name = "V" + random.nextInt(6);
                        text.append("${").append(name).append("}");
                        String value = values.get(name);
                        if (value == null) {
                            expectedUnknown.add(name);
                            value = "";
                        }
                        expected.append(value);
                    }
                    default -> {
                        String name = "V" + random.nextInt(6);
                        String fallback = "fb" + random.nextInt(10);
                        text.append("${").append(name).append(":-").append(fallback).append("}");
                        String value = values.get(name);
                        expected.append(value == null || value.isEmpty() ? fallback : value);
                    }
                }
            }
            String result = Interpolation.apply(text.toString(), values, unknown::add);
            assertEquals(expected.toString(), result, "text " + text + " with " + values);
            assertEquals(expectedUnknown, unknown, "unknown names in " + text);
        }
    }

    @Test
    void textWithoutReferencesIsUntouched() {
        assertEquals("ssm:///plain/path", Interpolation.apply("ssm:///plain/path", Map.of(), n -> { }));
        assertEquals("a $ sign", Interpolation.apply("a $ sign", Map.of(), n -> { }));
    }
}
