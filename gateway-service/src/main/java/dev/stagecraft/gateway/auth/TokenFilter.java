package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.stagecraft.gateway.api.ApiError;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Authenticates every {@code /api} request by its bearer token and checks the role the method needs: 401 without a
 * valid token, 403 with too little role. Webhooks authenticate by their signatures and are not filtered.
 */
public class TokenFilter {

    @Inject
    ResourceInfo resource;

    @Inject
    Caller caller;

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api")) {
            return null;
        }
        String header = request.getHeaderString("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refuse(401, "unauthenticated", "send an API token as 'Authorization: Bearer <token>'");
        }
        String secret = header.substring(7).trim();
        ApiToken token = QuarkusTransaction.requiringNew().call(() -> {
            ApiToken found = ApiToken.findBySecret(secret);
            if (found != null) {
                found.lastUsedAt = OffsetDateTime.now();
            }
            return found;
        });
        if (token == null) {
            return refuse(401, "unauthenticated", "the API token is not valid (unknown or revoked)");
        }
        caller.authenticatedAs(token.name);
        // the admin routes every service shares (e.g. /api/admin/outbox) know nothing of roles
        Role required = path.startsWith("/api/admin/") ? Role.ADMIN : required();
        if (!token.role.covers(required)) {
            return refuse(403, "forbidden", "this needs the " + required.name().toLowerCase() + " role; token '"
                    + token.name + "' has " + token.role.name().toLowerCase());
        }
        return null;
    }

    private Role required() {
        RequiresRole onMethod = resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RequiresRole.class);
        if (onMethod != null) {
            return onMethod.value();
        }
        RequiresRole onClass = resource.getResourceClass() == null ? null
                : resource.getResourceClass().getAnnotation(RequiresRole.class);
        return onClass != null ? onClass.value() : Role.VIEWER;
    }

    private static Response refuse(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(code, message, List.of()))
                .header("WWW-Authenticate", "Bearer").build();
    }
}
