package dev.stagecraft.gateway.registry;

import java.time.OffsetDateTime;

import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.registry.ConfiguredRegistry;

/** {@code POST /api/admin/registry/cleanup} (admin role): runs the registry clean-up now and says what it deleted. */
@Path("/api/admin/registry/cleanup")
@Produces(MediaType.APPLICATION_JSON)
public class RegistryResource {

    @Inject
    RegistryCleanup cleanup;

    @Inject
    ConfiguredRegistry registry;

    @POST
    public RegistryCleanup.Result run() {
        if (registry.calls().isEmpty()) {
            throw new ApiException(409, "no_registry", "no registry is configured (STAGECRAFT_REGISTRY): images stay on"
                    + " the Docker engine and teardown removes them there");
        }
        return cleanup.run(OffsetDateTime.now());
    }
}
