package dev.stagecraft.registry;

import static jakarta.ws.rs.core.HttpHeaders.AUTHORIZATION;

import java.net.URI;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.quarkus.rest.client.reactive.Url;

/** A registry's token service: the realm its Bearer challenge names, asked for a token with the login. */
@Produces(MediaType.APPLICATION_JSON)
public interface TokenServiceClient {

    /** {@code realm}: the realm with the challenge's service and scopes; {@code login}: HTTP Basic, or null. */
    @GET
    Response token(@Url URI realm, @HeaderParam(AUTHORIZATION) String login);

    @ClientExceptionMapper
    static RegistryException unavailable(Response response, URI uri) {
        return RegistryException.unavailable(response, uri);
    }
}
