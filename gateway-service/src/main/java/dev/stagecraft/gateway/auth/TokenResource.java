package dev.stagecraft.gateway.auth;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.api.Paging;

/** Creates, lists and revokes API tokens (admins only). A new token's text is in the creation answer and nowhere else. */
@Path("/api/tokens")
@Produces(MediaType.APPLICATION_JSON)
@RequiresRole(Role.ADMIN)
public class TokenResource {

    /** The body of POST /api/tokens. */
    public record TokenRequest(String name, String role, List<String> applications) {
    }

    /** A created token, with its text shown this once. */
    public record CreatedToken(String id, String name, String role, List<String> applications, String token) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Response create(TokenRequest request) {
        if (request == null || request.name() == null || request.name().isBlank()) {
            throw ApiException.badRequest("name is required: say who or what uses the token");
        }
        Role role;
        try {
            role = Role.valueOf(String.valueOf(request.role()).toUpperCase());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("role '" + request.role() + "' is not one of viewer, deployer, admin");
        }
        List<String> applications = request.applications();
        if (applications != null) {
            if (role == Role.ADMIN) {
                throw ApiException.badRequest("an admin token cannot be limited to applications: admins register"
                        + " applications and manage tokens; give a viewer or deployer token 'applications'");
            }
            if (applications.isEmpty()) {
                throw ApiException.badRequest("applications is empty: name at least one, or leave it out for all");
            }
            List<String> unknown = applications.stream().filter(a -> a == null || Application.count("name", a) == 0)
                    .toList();
            if (!unknown.isEmpty()) {
                throw ApiException.badRequest("no application named " + unknown + "; applications takes names of"
                        + " registered applications");
            }
        }
        String secret = ApiToken.newSecret();
        ApiToken token = new ApiToken();
        token.id = UUID.randomUUID().toString();
        token.name = request.name();
        token.role = role;
        token.tokenHash = ApiToken.hash(secret);
        token.createdAt = OffsetDateTime.now();
        token.applications = applications == null ? null : String.join(",", applications);
        token.persist();
        return Response.created(URI.create("/api/tokens/" + token.id))
                .entity(new CreatedToken(token.id, token.name, role.name().toLowerCase(), applications, secret)).build();
    }

    /** Tokens newest first; paged (see {@link Paging}). */
    @GET
    public RestResponse<List<ApiToken>> list(@QueryParam("limit") Integer limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        return Paging.newestFirst("createdAt", limit, after).list((query, params) -> ApiToken.find(query, params),
                (ApiToken t) -> new Paging.Cursor(t.createdAt, t.id), t -> t, uri);
    }

    @DELETE
    @Path("{id}")
    @Consumes(MediaType.WILDCARD)
    @Transactional
    public Response revoke(@PathParam("id") String id) {
        if (!ApiToken.deleteById(id)) {
            throw ApiException.notFound("token", id);
        }
        return Response.noContent().build();
    }
}
