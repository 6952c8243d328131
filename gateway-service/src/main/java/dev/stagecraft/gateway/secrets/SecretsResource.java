package dev.stagecraft.gateway.secrets;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.api.ApiException;

/**
 * The sealing key's admin routes (admin role, as every {@code /api/admin/} route):
 * <ul>
 * <li>{@code POST /api/admin/secrets/reseal}: after STAGECRAFT_SECRETS_KEY was replaced (the old key kept in
 * STAGECRAFT_SECRETS_PREVIOUS_KEYS), reseals every stored secret with the new key and says how many it changed;</li>
 * <li>{@code POST /api/admin/secrets/seal}: seals a value for configuration, such as a git host's API token, so that
 * it rests sealed in the deployment's Secret; a value sealed with an older key comes back sealed with the current
 * one.</li>
 * </ul>
 */
@Path("/api/admin/secrets")
@Produces(MediaType.APPLICATION_JSON)
public class SecretsResource {

    /** The body of POST /api/admin/secrets/seal. */
    public record SealRequest(String value) {
    }

    /** A sealed value and the id of the key that sealed it. */
    public record Sealed(String sealed, String keyId) {
    }

    @Inject
    Resealing resealing;

    @Inject
    SecretBox secrets;

    @POST
    @Path("reseal")
    public Resealing.Result reseal() {
        return resealing.run();
    }

    @POST
    @Path("seal")
    @Consumes(MediaType.APPLICATION_JSON)
    public Sealed seal(SealRequest request) {
        if (request == null || request.value() == null || request.value().isEmpty()) {
            throw ApiException.badRequest("value is required: {\"value\": \"<the secret to seal>\"}");
        }
        String clear;
        try {
            clear = secrets.open(request.value());
        } catch (IllegalStateException e) {
            throw ApiException.badRequest("value is sealed with a key this installation does not have: "
                    + e.getMessage());
        }
        return new Sealed(secrets.seal(clear), secrets.keyId());
    }
}
