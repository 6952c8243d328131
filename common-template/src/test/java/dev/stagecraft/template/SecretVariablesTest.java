package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.template.TemplateCompiler.Context;

class SecretVariablesTest {

    private static final String TEMPLATE = "services:\n- name: db\n  image: postgres\n";
    private static final String VARIABLES = """
            defaults:
            - key: POSTGRES_PASSWORD
              value: hunter2
              secret: true
            - key: POSTGRES_USER
              value: app
            services:
              db:
              - key: ADMIN_TOKEN
                value: "tok-123"
                secret: true
            """;

    @Test
    void secretValuesAreSealedInTheSpecAndOthersAreNot() {
        EnvironmentSpec spec = TemplateCompiler.compile("a", TEMPLATE, VARIABLES,
                new Context("e", "main", "ephemeral", value -> "sealed(" + value.length() + ")")).spec();
        assertEquals("sealed(7)", spec.variables().get("POSTGRES_PASSWORD"));
        assertEquals("app", spec.variables().get("POSTGRES_USER"));
        assertEquals("sealed(7)", spec.services().get(0).envs().get("ADMIN_TOKEN"));
    }

    @Test
    void maskedTextHidesSecretValuesAndKeepsEverythingElse() {
        String masked = EnvironmentVariables.masked(VARIABLES);
        assertFalse(masked.contains("hunter2"), masked);
        assertFalse(masked.contains("tok-123"), masked);
        assertTrue(masked.contains("value: app"), masked);
        assertTrue(masked.contains("key: POSTGRES_PASSWORD\n  value: '********'"), masked);
        assertEquals(VARIABLES.replace("hunter2", "'********'").replace("\"tok-123\"", "'********'"), masked);
    }
}
