package dev.stagecraft.gateway.secrets;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code POST /api/admin/secrets/reseal} (admin role): after STAGECRAFT_SECRETS_KEY was replaced (the old key kept in
 * STAGECRAFT_SECRETS_PREVIOUS_KEYS), reseals every stored secret with the new key and says how many it changed.
 */
@Path("/api/admin/secrets/reseal")
@Produces(MediaType.APPLICATION_JSON)
public class SecretsResource {

    @Inject
    Resealing resealing;

    @POST
    public Resealing.Result reseal() {
        return resealing.run();
    }
}
