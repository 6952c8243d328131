package dev.stagecraft.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The login for the registry, picked from a Docker config file as a dockerconfigjson Secret mounts it. */
class RegistryCredentialsTest {

    /** What {@code kubectl create secret docker-registry} writes: username, password, email and auth. */
    private static final String KUBECTL = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
            + base64("hub:nope") + "\"},\"harbor.example.com\":{\"username\":\"robot$stagecraft\",\"password\":"
            + "\"s3cr:et\",\"email\":\"ops@example.com\",\"auth\":\"" + base64("robot$stagecraft:s3cr:et") + "\"}}}";

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theEntryOfTheRegistrysHostIsUsedWhateverSchemeOrPathItsKeyHas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".dockerconfigjson");
        Files.writeString(file, KUBECTL);
        RegistryCredentials harbor = RegistryCredentials.fromDockerConfig(file, "harbor.example.com");
        assertEquals(new RegistryCredentials("robot$stagecraft", "s3cr:et"), harbor, "a password may hold a colon");
        assertEquals("Basic " + base64("robot$stagecraft:s3cr:et"), harbor.basic());
        assertFalse(harbor.toString().contains("s3cr"), "the password never goes into a message: " + harbor);

        String keyed = "{\"auths\":{\"https://Registry.Example.com:5000/v2/\":{\"username\":\"u\","
                + "\"password\":\"p\"}}}";
        assertEquals(new RegistryCredentials("u", "p"),
                RegistryCredentials.fromDockerConfig(keyed, "registry.example.com:5000", "test"));
    }

    @Test
    void aFileWithoutAUsableEntryIsRefusedNamingTheFileTheSettingAndWhatItHolds(@TempDir Path dir) {
        var missing = assertThrows(IllegalStateException.class,
                () -> RegistryCredentials.fromDockerConfig(dir.resolve("absent.json"), "ghcr.io"));
        assertTrue(missing.getMessage().startsWith("the registry credentials file " + dir.resolve("absent.json")
                + " (STAGECRAFT_REGISTRY_AUTH_FILE) cannot be read"), missing.getMessage());

        var other = assertThrows(IllegalStateException.class,
                () -> RegistryCredentials.fromDockerConfig(KUBECTL, "ghcr.io", "/etc/stagecraft/registry/x"));
        assertTrue(other.getMessage().endsWith("has no entry for ghcr.io; it has entries for [index.docker.io,"
                + " harbor.example.com]"), other.getMessage());

        var notDocker = assertThrows(IllegalStateException.class,
                () -> RegistryCredentials.fromDockerConfig("replace-me", "ghcr.io", "f"));
        assertTrue(notDocker.getMessage().contains("is not a Docker config file"), notDocker.getMessage());

        var noLogin = assertThrows(IllegalStateException.class, () -> RegistryCredentials.fromDockerConfig(
                "{\"auths\":{\"ghcr.io\":{\"email\":\"a@b\"}}}", "ghcr.io", "f"));
        assertTrue(noLogin.getMessage().contains("has neither \"auth\" nor \"username\" and \"password\""),
                noLogin.getMessage());

        var badAuth = assertThrows(IllegalStateException.class, () -> RegistryCredentials.fromDockerConfig(
                "{\"auths\":{\"ghcr.io\":{\"auth\":\"" + base64("no-colon") + "\"}}}", "ghcr.io", "f"));
        assertTrue(badAuth.getMessage().contains("is not the base64 of username:password"), badAuth.getMessage());
    }
}
