package dev.stagecraft.registry;

import static jakarta.ws.rs.core.HttpHeaders.AUTHORIZATION;

import java.net.URI;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.quarkus.rest.client.reactive.Url;

/**
 * The registry's HTTP API (Docker Registry HTTP API v2, the OCI distribution API), as far as Stagecraft uses it.
 * Answers come back as they are (the login reads a 401, the clean-up a 404), except a server error or rate limiting,
 * which is a {@link RegistryException} that may pass. {@code authorization}: the login to send, null for none;
 * {@code repository}: a name as the registry knows it, slashes and all.
 */
@Produces(MediaType.APPLICATION_JSON)
public interface RegistryClient {

    /** Repositories, or tags, asked for per page. */
    int PAGE = 1000;

    /** A page of repositories after {@code last} (null: the first page); a {@code Link} header names the next. */
    @GET
    @Path("/v2/_catalog")
    Response catalog(@HeaderParam(AUTHORIZATION) String authorization, @QueryParam("n") int n,
            @QueryParam("last") String last);

    /** A page of a repository's tags after {@code last} (null: the first page); a {@code Link} names the next. */
    @GET
    @Path("/v2/{repository}/tags/list")
    Response tags(@HeaderParam(AUTHORIZATION) String authorization,
            @Encoded @PathParam("repository") String repository, @QueryParam("n") int n,
            @QueryParam("last") String last);

    /** Whether a manifest exists, and its {@code Docker-Content-Digest}. */
    @HEAD
    @Path("/v2/{repository}/manifests/{reference}")
    @Produces(ManifestTypes.ACCEPT)
    Response manifestHead(@HeaderParam(AUTHORIZATION) String authorization,
            @Encoded @PathParam("repository") String repository, @PathParam("reference") String reference);

    @GET
    @Path("/v2/{repository}/manifests/{reference}")
    @Produces(ManifestTypes.ACCEPT)
    Response manifest(@HeaderParam(AUTHORIZATION) String authorization,
            @Encoded @PathParam("repository") String repository, @PathParam("reference") String reference);

    /** Deletes a manifest, and with it every tag of it. */
    @DELETE
    @Path("/v2/{repository}/manifests/{digest}")
    Response deleteManifest(@HeaderParam(AUTHORIZATION) String authorization,
            @Encoded @PathParam("repository") String repository, @PathParam("digest") String digest);

    /** A blob, or a redirect to where it is stored. */
    @GET
    @Path("/v2/{repository}/blobs/{digest}")
    @Produces(MediaType.WILDCARD)
    Response blob(@HeaderParam(AUTHORIZATION) String authorization,
            @Encoded @PathParam("repository") String repository, @PathParam("digest") String digest);

    /** Where a blob was redirected to, with {@code authorization} only when that is the registry too. */
    @GET
    @Produces(MediaType.WILDCARD)
    Response redirected(@Url URI location, @HeaderParam(AUTHORIZATION) String authorization);

    @ClientExceptionMapper
    static RegistryException unavailable(Response response, URI uri) {
        return RegistryException.unavailable(response, uri);
    }
}
