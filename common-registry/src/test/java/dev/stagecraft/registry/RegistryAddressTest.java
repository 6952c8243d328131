package dev.stagecraft.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** STAGECRAFT_REGISTRY as the build-service and the gateway read it alike. */
class RegistryAddressTest {

    @Test
    void aPathPutsEveryRepositoryUnderItAndImagesNameTheHost() {
        RegistryAddress harbor = RegistryAddress.parse("Harbor.Example.com/stagecraft/", null).orElseThrow();
        assertEquals("harbor.example.com", harbor.host());
        assertEquals("stagecraft/stagecraft/shop/web", harbor.repository("stagecraft/shop/web"));
        assertEquals("harbor.example.com/stagecraft/stagecraft/shop/web:abc",
                harbor.reference(harbor.repository("stagecraft/shop/web"), "abc"));
        assertEquals(Optional.of(new RegistryAddress.Tagged("stagecraft/stagecraft/shop/web", "abc")),
                harbor.tagged("harbor.example.com/stagecraft/stagecraft/shop/web:abc"));
        assertEquals(Optional.empty(), harbor.tagged("other.example.com/stagecraft/shop/web:abc"), "another registry");
        assertEquals("https://harbor.example.com/v2/_catalog", harbor.api("/v2/_catalog").toString());
        assertEquals("harbor.example.com/stagecraft", harbor.toString());

        RegistryAddress local = RegistryAddress.parse("127.0.0.1:5000", null).orElseThrow();
        assertEquals("stagecraft/shop/web", local.repository("stagecraft/shop/web"));
        assertEquals(Optional.of(new RegistryAddress.Tagged("stagecraft/shop/web", "t1")),
                local.tagged("127.0.0.1:5000/stagecraft/shop/web:t1"));
    }

    /** As a Docker engine decides: plain HTTP only on loopback, unless STAGECRAFT_REGISTRY_SCHEME says otherwise. */
    @Test
    void plainHttpOnlyOnLoopbackUnlessASchemeIsConfigured() {
        assertEquals("http", RegistryAddress.parse("127.0.0.1:5000", "").orElseThrow().scheme());
        assertEquals("http", RegistryAddress.parse("localhost:5000", null).orElseThrow().scheme());
        assertEquals("http", RegistryAddress.parse("[::1]:5000", null).orElseThrow().scheme());
        assertEquals("https", RegistryAddress.parse("ghcr.io/acme", null).orElseThrow().scheme());
        assertEquals("https", RegistryAddress.parse("registry.internal:5000", " ").orElseThrow().scheme());
        assertEquals("http", RegistryAddress.parse("registry.internal:5000", "HTTP").orElseThrow().scheme());
        assertEquals(Optional.empty(), RegistryAddress.parse(" ", "https"), "no registry");
    }

    @Test
    void anAddressThatIsNotHostPortPathIsRefusedNamingTheSetting() {
        var scheme = assertThrows(IllegalArgumentException.class,
                () -> RegistryAddress.parse("https://ghcr.io/acme", null));
        assertTrue(scheme.getMessage().contains("STAGECRAFT_REGISTRY 'https://ghcr.io/acme' is not a registry address")
                && scheme.getMessage().contains("STAGECRAFT_REGISTRY_SCHEME"), scheme.getMessage());
        var path = assertThrows(IllegalArgumentException.class,
                () -> RegistryAddress.parse("ghcr.io/Acme Team", null));
        assertTrue(path.getMessage().contains("host[:port][/path]"), path.getMessage());
        var wrongScheme = assertThrows(IllegalArgumentException.class,
                () -> RegistryAddress.parse("ghcr.io/acme", "ftp"));
        assertEquals("STAGECRAFT_REGISTRY_SCHEME 'ftp' is neither http nor https", wrongScheme.getMessage());
    }
}
