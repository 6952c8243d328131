package dev.stagecraft.events;

import java.util.List;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * {@code stagecraft.runtime.enabled} and {@code stagecraft.runtime.default}: the runtimes an application may choose,
 * and the one it gets when it names none. The gateway checks an application's choice against it when the application
 * is registered; the stage services find the runtime of a spec with it. Each service's configuration mapping has it
 * as {@code runtime()}.
 */
public interface RuntimeChoice {

    /** The runtimes applications may choose: docker, kubernetes or both. */
    @WithDefault("docker")
    List<String> enabled();

    /** The runtime of an application, and so of its specs, that names none. */
    @WithName("default")
    @WithDefault("docker")
    String defaultRuntime();

    /**
     * {@code name}, or the default one for null or blank, when this installation enables it.
     *
     * @throws IllegalArgumentException naming the runtime and the enabled ones when it is not enabled
     */
    default String choose(String name) {
        String chosen = name == null || name.isBlank() ? defaultRuntime() : name;
        if (!enabled().contains(chosen)) {
            throw new IllegalArgumentException("runtime '" + chosen + "' is not available in this installation;"
                    + " accepted: " + enabled() + " (stagecraft.runtime.enabled)");
        }
        return chosen;
    }
}
