package dev.stagecraft.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Logging in to a registry the ways registries ask for it, against a small registry of this test on loopback: a
 * Bearer challenge answered with a token from the token service it names (the login sent there), a token kept for
 * its repository and replaced once the registry no longer takes it, HTTP Basic, a refused login, and a blob
 * redirected to storage elsewhere, which must not get the registry's Authorization. (The build-service's tests run
 * this client against Debian's docker-registry with token authentication; the gateway's RegistryCallsTest logs in to
 * the same {@link FakeRegistry} through its REST client.)
 */
class RegistryApiTest {

    private final FakeRegistry registry = new FakeRegistry();

    @AfterEach
    void stop() {
        registry.close();
    }

    private RegistryApi api() {
        return new RegistryApi(registry.address(), registry::credentials);
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenAskedWithTheLoginAndTheTokenIsKeptForItsRepository() throws Exception {
        registry.bearer = true;
        RegistryApi api = api();
        assertEquals(200, api.send("HEAD", "/v2/team/stagecraft/shop/web/manifests/t1").statusCode());
        assertEquals(List.of("service=fake-registry&scope=repository:team/stagecraft/shop/web:pull"),
                registry.tokenQueries, "the challenge's service and scope, asked with the login");
        assertEquals(200, api.send("HEAD", "/v2/team/stagecraft/shop/web/manifests/t2").statusCode());
        assertEquals(1, registry.tokenQueries.size(), "the token of that repository is used again");
        assertEquals(List.of("HEAD t1 -", "HEAD t1 Bearer", "HEAD t2 Bearer"), registry.requests,
                "one challenge, then the token straight away");

        assertEquals(202, api.send("DELETE", "/v2/team/stagecraft/shop/web/manifests/sha256:ab").statusCode());
        assertEquals("service=fake-registry&scope=repository:team/stagecraft/shop/web:delete",
                registry.tokenQueries.get(1), "another method, another scope");
        assertEquals(200, api.send("GET", "/v2/_catalog?n=1000").statusCode());
        assertEquals("service=fake-registry&scope=registry:catalog:*", registry.tokenQueries.get(2));
    }

    /** A token that expired is answered 401 and replaced; the login is read again, so a rotated Secret is used. */
    @Test
    void aTokenTheRegistryNoLongerTakesIsReplacedWithTheLoginAsItIsNow() throws Exception {
        registry.bearer = true;
        RegistryApi api = api();
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        registry.tokens.clear(); // expired
        registry.login.set(new RegistryCredentials("robot", "rotated"));
        registry.password = "rotated";
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(2, registry.tokenQueries.size());
    }

    @Test
    void aRefusedLoginSaysWhoseAndWhereItComesFromButNotThePassword() {
        registry.bearer = true;
        registry.login.set(new RegistryCredentials("robot", "wrong-password"));
        IOException refused = assertThrows(IOException.class,
                () -> api().send("GET", "/v2/team/stagecraft/shop/web/tags/list"));
        assertTrue(refused.getMessage().contains("token service http://127.0.0.1:" + registry.port() + "/token"
                + " answered HTTP 401 for repository:team/stagecraft/shop/web:pull: it refused the credentials of"
                + " STAGECRAFT_REGISTRY_AUTH_FILE (robot)"), refused.getMessage());
        assertFalse(refused.getMessage().contains("wrong-password"));

        registry.login.set(null);
        IOException anonymous = assertThrows(IOException.class,
                () -> api().send("GET", "/v2/team/stagecraft/shop/web/tags/list"));
        assertTrue(anonymous.getMessage().endsWith("no credentials are configured (STAGECRAFT_REGISTRY_AUTH_FILE)"),
                anonymous.getMessage());
    }

    @Test
    void aBasicChallengeGetsTheLoginOnceAndARefusedOneIsTheRegistrysAnswer() throws Exception {
        RegistryApi api = api();
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(200, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(List.of("GET tags -", "GET tags Basic", "GET tags Basic"), registry.requests);

        registry.password = "changed";
        registry.requests.clear();
        assertEquals(401, api.send("GET", "/v2/team/stagecraft/shop/web/tags/list").statusCode());
        assertEquals(List.of("GET tags Basic"), registry.requests, "the same refused login is not sent again");
    }

    /** Object storage signs its own URLs and refuses a second Authorization; it is not the registry's to get. */
    @Test
    void aBlobRedirectedToStorageIsFetchedWithoutTheRegistrysAuthorization() throws Exception {
        registry.bearer = true;
        var blob = api().send("GET", "/v2/team/stagecraft/shop/web/blobs/sha256:cf");
        assertEquals(200, blob.statusCode());
        assertEquals("{\"created\":\"2020-01-01T00:00:00Z\"}", blob.body());
        assertEquals(List.of("storage -"), registry.storageRequests);
    }

    @Test
    void challengeParametersKeepCommasInsideQuotes() {
        assertEquals(Map.of("realm", "https://auth.example.com/token", "service", "registry.example.com", "scope",
                "repository:a/b:pull,push repository:c:pull"), RegistryLogins.parameters(" realm=\"https://auth.example"
                        + ".com/token\",service=\"registry.example.com\",scope=\"repository:a/b:pull,push"
                        + " repository:c:pull\""));
        assertEquals(Map.of("realm", "fake", "error", "insufficient_scope"),
                RegistryLogins.parameters("realm=fake, error=\"insufficient_scope\""));
    }
}
