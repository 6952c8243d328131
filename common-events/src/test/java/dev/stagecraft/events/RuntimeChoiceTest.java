package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class RuntimeChoiceTest {

    private static RuntimeChoice installation(String defaultRuntime, String... enabled) {
        return new RuntimeChoice() {
            @Override
            public List<String> enabled() {
                return List.of(enabled);
            }

            @Override
            public String defaultRuntime() {
                return defaultRuntime;
            }
        };
    }

    @Test
    void anApplicationThatNamesNoRuntimeGetsTheDefault() {
        RuntimeChoice choice = installation("docker", "docker", "kubernetes");
        assertEquals("docker", choice.choose(null));
        assertEquals("docker", choice.choose(" "));
        assertEquals("kubernetes", choice.choose("kubernetes"));
    }

    @Test
    void aRuntimeThisInstallationDoesNotEnableIsRefusedNamingTheOnesItDoes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> installation("docker", "docker").choose("kubernetes"));
        assertEquals("runtime 'kubernetes' is not available in this installation; accepted: [docker]"
                + " (stagecraft.runtime.enabled)", refused.getMessage());
    }
}
