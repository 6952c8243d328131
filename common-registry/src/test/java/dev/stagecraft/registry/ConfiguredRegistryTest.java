package dev.stagecraft.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkus.test.junit.QuarkusTest;

/** The registry a service's settings name: none without an address, the auth file read again at every login. */
@QuarkusTest
class ConfiguredRegistryTest {

    private final FakeRegistry registry = new FakeRegistry();

    @AfterEach
    void stop() {
        registry.close();
    }

    /** {@code stagecraft.registry.*} as a service might set it, each request tried once. */
    private record Settings(Optional<String> address, Optional<String> scheme, Optional<String> authFile, int attempts,
            Duration backoff) implements RegistryConfig {

        Settings(String address, Path authFile) {
            this(Optional.ofNullable(address), Optional.empty(), Optional.ofNullable(authFile).map(Path::toString), 1,
                    Duration.ofMillis(10));
        }
    }

    private static ConfiguredRegistry configured(Settings settings) {
        return new ConfiguredRegistry(settings, RegistryCalls.guard("configured-registry-test-" + UUID.randomUUID(), 1,
                Duration.ofMillis(10)));
    }

    private void login(Path file, String password) throws Exception {
        Files.writeString(file, "{\"auths\":{\"127.0.0.1:" + registry.port() + "\":{\"username\":\"robot\","
                + "\"password\":\"" + password + "\"}}}");
    }

    @Test
    void aRotatedAuthFileIsUsedAtTheNextLoginWithoutARestart(@TempDir Path dir) throws Exception {
        registry.bearer = true;
        registry.password = "rotated";
        Path file = dir.resolve(".dockerconfigjson");
        login(file, "s3cret");
        ConfiguredRegistry configured = configured(new Settings("127.0.0.1:" + registry.port() + "/team", file));
        RegistryCalls calls = configured.calls().orElseThrow();

        RegistryException refused = assertThrows(RegistryException.class,
                () -> calls.manifestHead("team/stagecraft/shop/web", "t1"));
        assertTrue(refused.getMessage().contains("refused the credentials of STAGECRAFT_REGISTRY_AUTH_FILE (robot)"),
                refused.getMessage());

        login(file, "rotated");
        assertEquals(200, calls.manifestHead("team/stagecraft/shop/web", "t1").getStatus());
        assertEquals("rotated", configured.credentials(calls.address()).orElseThrow().password());
    }

    @Test
    void withoutAnAddressThereIsNoRegistryAndAWrongOneIsRefusedNamingTheSetting() {
        ConfiguredRegistry none = configured(new Settings(null, null));
        assertEquals(Optional.empty(), none.calls());
        assertEquals(Optional.empty(), none.address());

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> configured(new Settings("https://ghcr.io/acme", null)));
        assertTrue(wrong.getMessage().startsWith("STAGECRAFT_REGISTRY 'https://ghcr.io/acme' is not a registry address"),
                wrong.getMessage());
    }
}
