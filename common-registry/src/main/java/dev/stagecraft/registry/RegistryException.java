package dev.stagecraft.registry;

import java.net.URI;

import jakarta.ws.rs.core.Response;

/**
 * A registry request that failed: no answer, or an answer of a server error or rate limiting (worth another try), or
 * a login the registry's token service refused.
 */
public final class RegistryException extends RuntimeException {

    /** Characters of an answer's body a message keeps. */
    private static final int EXCERPT = 300;

    private final boolean mayPass;

    RegistryException(String message, boolean mayPass, Throwable cause) {
        super(message, cause);
        this.mayPass = mayPass;
    }

    /** A server error or rate limiting the registry (or its token service) answered at {@code uri}; else null. */
    static RegistryException unavailable(Response response, URI uri) {
        if (response.getStatus() < 500 && response.getStatus() != 429) {
            return null;
        }
        String text = response.hasEntity() ? response.readEntity(String.class) : "";
        return new RegistryException(uri + " answered " + response.getStatus() + ": "
                + (text.length() > EXCERPT ? text.substring(0, EXCERPT) : text), true, null);
    }

    /** Worth another try later: no answer, a server error, or rate limiting. */
    public boolean transientFailure() {
        return mayPass;
    }
}
