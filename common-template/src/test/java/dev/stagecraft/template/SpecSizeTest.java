package dev.stagecraft.template;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** A template cannot make a spec larger than 1 MiB, and an expansion bomb is stopped before it costs memory. */
class SpecSizeTest {

    private static final String TEMPLATE = """
            services:
            - name: web
              image: stagecraft/base:busybox
              ports:
              - type: container_port
                port: '8080'
            """;

    @Test
    void anExpansionBombIsRefusedNamingTheMapping() {
        String big = "x".repeat(100 * 1024);
        String bomb = "${BIG}".repeat(10_000); // 10,000 times 100 KiB: about 1 GB if expanded
        String variables = "defaults:\n- key: BIG\n  value: '" + big + "'\nmapping:\n  BOMB: '" + bomb + "'\n";
        InvalidTemplateException refused = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
                InvalidTemplateException.class, () -> TemplateCompiler.compile("app", TEMPLATE, variables)));
        assertTrue(refused.problems().stream().anyMatch(p -> p.path().equals("mapping.BOMB")
                && p.message().contains("expand to more than 1048576 characters")), refused.getMessage());
    }

    @Test
    void aSpecOverOneMebibyteIsRefused() {
        // each file stays under its own 512 KiB limit; the spec they resolve to does not
        StringBuilder variables = new StringBuilder("defaults:\n");
        for (int i = 0; i < 4; i++) {
            variables.append("- key: V").append(i).append("\n  value: '").append("y".repeat(100 * 1024)).append("'\n");
        }
        variables.append("mapping:\n  ALL: '").append("${V0}${V1}${V2}${V3}".repeat(2)).append("${V0}'\n");
        InvalidTemplateException refused = assertThrows(InvalidTemplateException.class,
                () -> TemplateCompiler.compile("app", TEMPLATE, variables.toString()));
        assertTrue(refused.getMessage().contains("at most 1048576 (1 MiB) are accepted"), refused.getMessage());
    }
}
