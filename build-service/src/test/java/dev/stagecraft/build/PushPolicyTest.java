package dev.stagecraft.build;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.build.BuildConfig.Push;
import dev.stagecraft.events.EnvironmentSpec;

/** Which environments' images {@code stagecraft.build.push} sends to the registry. */
class PushPolicyTest {

    private static final EnvironmentSpec SPEC = new EnvironmentSpec("shop", List.of(), Map.of());

    @Test
    void alwaysPushesEveryEnvironmentsImages() {
        assertTrue(BuildHandler.pushes(Push.ALWAYS, SPEC.withRuntime("docker")));
        assertTrue(BuildHandler.pushes(Push.ALWAYS, SPEC.withRuntime("kubernetes")));
    }

    @Test
    void kubernetesKeepsTheImagesOfDockerEnvironmentsOnTheBuildEngine() {
        assertFalse(BuildHandler.pushes(Push.KUBERNETES, SPEC.withRuntime("docker")));
        assertTrue(BuildHandler.pushes(Push.KUBERNETES, SPEC.withRuntime("kubernetes")));
    }

    @Test
    void aSpecThatNamesNoRuntimeIsPushed() {
        // the runtime is unknown here: only a push is safe for both
        assertTrue(BuildHandler.pushes(Push.KUBERNETES, SPEC));
    }
}
