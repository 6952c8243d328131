package dev.stagecraft.registry;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.stagecraft.outbound.OutboundPolicy;
import io.smallrye.faulttolerance.api.Guard;

/**
 * The registry's API as Stagecraft uses it (the build-service asks whether a tag exists, the gateway cleans up): each
 * request through {@link RegistryClient}, logged in the way the registry asks ({@link RegistryLogins}, tokens asked
 * through {@link TokenServiceClient}), under the registry's fault tolerance policy ({@link #guard}): no answer, a
 * server error or rate limiting is tried again with backoff. A blob redirected to storage elsewhere is fetched there
 * without the registry's {@code Authorization}. {@link ConfiguredRegistry} makes the one a service uses.
 */
public final class RegistryCalls {

    /** How long the registry may take to answer one request. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /** What a login to list the catalog is kept for. */
    private static final String CATALOG = "_catalog";
    private static final int MAX_REDIRECTS = 5;

    private final RegistryAddress address;
    private final RegistryClient registry;
    private final RegistryLogins logins;
    private final Guard guard;

    /**
     * Requests to the registry at {@code address}, logged in with {@code credentials} (asked each time the registry
     * wants a login, so a credentials file that changed is read again), under {@code guard}.
     */
    public RegistryCalls(RegistryAddress address, Supplier<Optional<RegistryCredentials>> credentials, Guard guard) {
        this.address = address;
        this.guard = guard;
        URI api = address.api("");
        this.registry = OutboundPolicy.client(api, READ_TIMEOUT).disableDefaultMapper(true)
                .build(RegistryClient.class);
        TokenServiceClient tokens = OutboundPolicy.client(api, READ_TIMEOUT).disableDefaultMapper(true)
                .build(TokenServiceClient.class);
        this.logins = new RegistryLogins(credentials, (realm, login) -> {
            Response answer = tokens.token(realm, login);
            return new RegistryLogins.TokenAnswer(answer.getStatus(), answer.readEntity(String.class));
        });
    }

    /**
     * The fault tolerance of registry requests ({@link OutboundPolicy}): no answer, a server error or rate limiting
     * is tried again after {@code backoff}, doubling, up to {@code attempts} tries.
     */
    public static Guard guard(String name, int attempts, Duration backoff) {
        return OutboundPolicy.guard(name, attempts, backoff, OutboundPolicy.CIRCUIT_OPEN_FOR,
                e -> e instanceof RegistryException r && r.transientFailure());
    }

    public RegistryAddress address() {
        return address;
    }

    /** A page of the catalog after {@code last} (null: the first). */
    public Response catalog(String last) {
        return send("GET", CATALOG, login -> registry.catalog(login, RegistryClient.PAGE, last));
    }

    /** A page of {@code repository}'s tags after {@code last} (null: the first). */
    public Response tags(String repository, String last) {
        return send("GET", repository, login -> registry.tags(login, repository, RegistryClient.PAGE, last));
    }

    public Response manifestHead(String repository, String reference) {
        return send("HEAD", repository, login -> registry.manifestHead(login, repository, reference));
    }

    public Response manifest(String repository, String reference) {
        return send("GET", repository, login -> registry.manifest(login, repository, reference));
    }

    public Response deleteManifest(String repository, String digest) {
        return send("DELETE", repository, login -> registry.deleteManifest(login, repository, digest));
    }

    /** A blob, from where the registry redirects to if it does. */
    public Response blob(String repository, String digest) {
        URI asked = address.api("/v2/" + repository + "/blobs/" + digest);
        return send("GET", repository, login -> {
            Response answer = registry.blob(login, repository, digest);
            URI at = asked;
            for (int hop = 0; hop < MAX_REDIRECTS && answer.getStatusInfo().getFamily()
                    == Response.Status.Family.REDIRECTION && answer.getLocation() != null; hop++) {
                at = at.resolve(answer.getLocation());
                answer = registry.redirected(at, RegistryLogins.sameOrigin(at, asked) ? login : null);
            }
            return answer;
        });
    }

    /** {@code method} on {@code resource} (a repository, or the catalog), logged in, under the registry's policy. */
    private Response send(String method, String resource, Function<String, Response> request) {
        return guard.get(() -> {
            String failed = "talking to the registry at " + address + " (" + method + " " + resource + ") failed: ";
            try {
                return logins.send(method, resource, login -> new Answer(request.apply(login))).response();
            } catch (ProcessingException e) {
                throw new RegistryException(failed + "no answer: " + e.getMessage(), true, e);
            } catch (IOException e) {
                throw new RegistryException(failed + e.getMessage(), false, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(failed + "interrupted", false, e);
            }
        }, Response.class);
    }

    /** An answer as the login reads it. */
    private record Answer(Response response) implements RegistryLogins.Answer {

        @Override
        public int status() {
            return response.getStatus();
        }

        @Override
        public List<String> challenges() {
            return response.getStringHeaders().getOrDefault(HttpHeaders.WWW_AUTHENTICATE, List.of());
        }
    }
}
