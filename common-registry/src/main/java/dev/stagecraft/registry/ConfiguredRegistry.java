package dev.stagecraft.registry;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.Guard;

/**
 * The registry this service's settings name ({@link RegistryConfig}), as the build-service and the gateway call it:
 * one {@link RegistryCalls}, which keeps the logins it made, logged in with the auth file's entry for the registry's
 * host (read at every login, so a rotated Secret takes effect without a restart), under the registry's one fault
 * tolerance policy. Made at start, so a wrong address or scheme stops the service with the reason.
 */
@Startup
@Singleton
public class ConfiguredRegistry {

    /** The name of the registry's circuit. */
    static final String GUARD = "registry-api";

    private final RegistryConfig settings;
    private final Optional<RegistryCalls> calls;

    @Inject
    ConfiguredRegistry(RegistryConfig settings) {
        this(settings, RegistryCalls.guard(GUARD, settings.attempts(), settings.backoff()));
    }

    /**
     * The registry {@code settings} name, its requests under {@code guard} (a test's own).
     *
     * @throws IllegalArgumentException naming the setting, when the address or the scheme is not valid
     */
    public ConfiguredRegistry(RegistryConfig settings, Guard guard) {
        this.settings = settings;
        this.calls = RegistryAddress.parse(settings.address().orElse(null), settings.scheme().orElse(null))
                .map(address -> new RegistryCalls(address, () -> credentials(address), guard));
    }

    /** The registry's API; empty when no registry is configured. */
    public Optional<RegistryCalls> calls() {
        return calls;
    }

    /** The registry's address; empty when no registry is configured. */
    public Optional<RegistryAddress> address() {
        return calls.map(RegistryCalls::address);
    }

    /** The auth file, as configured; empty when none is. */
    public Optional<String> authFile() {
        return settings.authFile().filter(f -> !f.isBlank());
    }

    /** The login the auth file holds for {@code address}'s host, read now; empty without an auth file. */
    public Optional<RegistryCredentials> credentials(RegistryAddress address) {
        return authFile().map(f -> RegistryCredentials.fromDockerConfig(Path.of(f), address.host()));
    }
}
