package dev.stagecraft.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Registry requests through the REST clients, against {@link FakeRegistry} on loopback: a Bearer challenge answered
 * with a token from the token service it names (the login sent there), a token kept for its repository and method and
 * replaced once the registry no longer takes it, HTTP Basic, a refused login, a blob redirected to storage elsewhere
 * (which must not get the registry's Authorization), a challenge's parameters read as registries write them, and a
 * registry that answers 503 asked again. A Quarkus test because the REST clients and the fault tolerance are
 * Quarkus's. (The gateway's RegistrySweepLoginTest and the build-service's ImageBuilderRegistryLoginTest log in to
 * Debian's docker-registry with token authentication.)
 */
@QuarkusTest
class RegistryCallsTest {

    private static final String WEB = "team/stagecraft/shop/web";

    private final FakeRegistry registry = new FakeRegistry();

    @AfterEach
    void stop() {
        registry.close();
    }

    /** Requests to the fake registry, tried three times 10 ms apart when the registry may answer later. */
    private RegistryCalls calls() {
        return new RegistryCalls(registry.address(), registry::credentials,
                RegistryCalls.guard("registry-test-" + UUID.randomUUID(), 3, Duration.ofMillis(10)));
    }

    @Test
    void aBearerChallengeIsAnsweredWithATokenAskedWithTheLoginAndTheTokenIsKeptForItsRepository() {
        registry.bearer = true;
        RegistryCalls calls = calls();

        Response head = calls.manifestHead(WEB, "t1");
        assertEquals(200, head.getStatus());
        assertEquals("sha256:t1", head.getHeaderString("Docker-Content-Digest"));
        assertEquals(List.of("service=fake-registry&scope=repository:" + WEB + ":pull"), registry.tokenQueries,
                "the challenge's service and scope, asked with the login");
        for (String type : ManifestTypes.ACCEPT.split(", ")) {
            assertTrue(registry.manifestAccept.contains(type), "accepts " + type + ": " + registry.manifestAccept);
        }
        assertEquals(200, calls.manifestHead(WEB, "t2").getStatus());
        assertEquals(1, registry.tokenQueries.size(), "the token of that repository is used again");
        assertEquals(List.of("HEAD t1 -", "HEAD t1 Bearer", "HEAD t2 Bearer"), registry.requests,
                "one challenge, then the token straight away");

        assertEquals(202, calls.deleteManifest(WEB, "sha256:ab").getStatus());
        assertEquals("service=fake-registry&scope=repository:" + WEB + ":delete", registry.tokenQueries.get(1),
                "another method, another scope");
        assertEquals(200, calls.catalog(null).getStatus());
        assertEquals("service=fake-registry&scope=registry:catalog:*", registry.tokenQueries.get(2));
    }

    /** A token that expired is answered 401 and replaced; the login is read again, so a rotated Secret is used. */
    @Test
    void aTokenTheRegistryNoLongerTakesIsReplacedWithTheLoginAsItIsNow() {
        registry.bearer = true;
        RegistryCalls calls = calls();
        assertEquals(200, calls.tags(WEB, null).getStatus());
        registry.tokens.clear(); // expired
        registry.login.set(new RegistryCredentials("robot", "rotated"));
        registry.password = "rotated";

        assertEquals(200, calls.tags(WEB, null).getStatus());
        assertEquals(2, registry.tokenQueries.size());
    }

    @Test
    void aRefusedLoginSaysWhoseAndWhereItComesFromButNotThePasswordAndIsNotTriedAgain() {
        registry.bearer = true;
        registry.login.set(new RegistryCredentials("robot", "wrong-password"));

        RegistryException refused = assertThrows(RegistryException.class, () -> calls().tags(WEB, null));

        assertTrue(refused.getMessage().contains("(GET " + WEB + ") failed: the registry's token service"
                + " http://127.0.0.1:" + registry.port() + "/token answered HTTP 401 for repository:" + WEB
                + ":pull: it refused the credentials of STAGECRAFT_REGISTRY_AUTH_FILE (robot)"), refused.getMessage());
        assertFalse(refused.getMessage().contains("wrong-password"));
        assertFalse(refused.transientFailure());
        assertEquals(List.of("GET tags -"), registry.requests, "a refused login is not tried again");

        registry.login.set(null);
        RegistryException anonymous = assertThrows(RegistryException.class, () -> calls().tags(WEB, null));
        assertTrue(anonymous.getMessage().endsWith("no credentials are configured (STAGECRAFT_REGISTRY_AUTH_FILE)"),
                anonymous.getMessage());
    }

    @Test
    void aBasicChallengeGetsTheLoginOnceAndARefusedOneIsTheRegistrysAnswer() {
        RegistryCalls calls = calls();
        assertEquals(200, calls.tags(WEB, null).getStatus());
        assertEquals(200, calls.tags(WEB, null).getStatus());
        assertEquals(List.of("GET tags -", "GET tags Basic", "GET tags Basic"), registry.requests);

        registry.password = "changed";
        registry.requests.clear();
        assertEquals(401, calls.tags(WEB, null).getStatus());
        assertEquals(List.of("GET tags Basic"), registry.requests, "the same refused login is not sent again");
    }

    /** Object storage signs its own URLs and refuses a second Authorization; it is not the registry's to get. */
    @Test
    void aBlobRedirectedToStorageIsFetchedWithoutTheRegistrysAuthorization() {
        registry.bearer = true;

        Response blob = calls().blob(WEB, "sha256:cf");

        assertEquals(200, blob.getStatus());
        assertEquals("{\"created\":\"2020-01-01T00:00:00Z\"}", blob.readEntity(String.class));
        assertEquals(List.of("storage -"), registry.storageRequests, "signed, and without the registry's login");
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

    @Test
    void aRegistryAnswering503IsAskedAgainUntilItAnswers() {
        registry.unavailable.set(2);

        assertEquals(200, calls().tags(WEB, null).getStatus());
        assertEquals(List.of("GET tags -", "GET tags -", "GET tags -", "GET tags Basic"), registry.requests,
                "two 503s, then the challenge and the login");
    }

    @Test
    void aRegistryStillFailingAfterTheLastAttemptFailsTheRequestSayingWhatItAnswered() {
        registry.unavailable.set(Integer.MAX_VALUE);

        RegistryException failed = assertThrows(RegistryException.class, () -> calls().tags(WEB, null));

        assertTrue(failed.transientFailure());
        assertTrue(failed.getMessage().contains("/v2/" + WEB + "/tags/list") && failed.getMessage().contains(
                "answered 503: {\"errors\":[{\"code\":\"UNAVAILABLE\"}]}"), failed.getMessage());
        assertEquals(3, registry.requests.size(), "three tries: " + registry.requests);
    }
}
