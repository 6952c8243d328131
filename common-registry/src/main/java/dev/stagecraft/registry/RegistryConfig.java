package dev.stagecraft.registry;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The image registry as the build-service and the gateway reach it ({@code stagecraft.registry.*}), each setting with
 * its default; each service's application.properties maps the {@code STAGECRAFT_REGISTRY*} environment variables onto
 * these names.
 */
@ConfigMapping(prefix = "stagecraft.registry")
public interface RegistryConfig {

    /** {@code host[:port][/path]} of the registry ({@link RegistryAddress}); unset: no registry. */
    Optional<String> address();

    /** http or https; unset: http for a registry on loopback, https for any other. */
    Optional<String> scheme();

    /** A Docker config file with the service's login for the registry, read at every use; unset: no login. */
    Optional<String> authFile();

    /** Tries of one request that fails for a reason that may pass (no answer, 5xx, 429) before it is given up. */
    @WithDefault("3")
    int attempts();

    /** The wait before the second try; it doubles before each further one. */
    @WithDefault("1s")
    Duration backoff();
}
