package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.stagecraft.gateway.api.ApiError;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.Workflow;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Authenticates every {@code /api} request by its bearer token and checks the role the method needs: 401 without a
 * valid token, 403 with too little role. The event and log streams also take a stream ticket in the query
 * ({@code ?ticket=}, see {@link SessionResource}) in place of the header. Webhooks authenticate by their signatures
 * and are not filtered.
 */
public class TokenFilter {

    /** The streams a stream ticket opens, as a browser's EventSource cannot send the Authorization header. */
    private static final Pattern STREAMS = Pattern.compile(
            "/api/events|/api/environments/[^/]+/events|/api/workflows/[^/]+/logs/stream");

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
        String ticket = request.getUriInfo().getQueryParameters().getFirst("ticket");
        ApiToken token;
        if (header == null && ticket != null && request.getMethod().equals("GET") && STREAMS.matcher(path).matches()) {
            token = QuarkusTransaction.requiringNew().call(() -> StreamTicket.tokenOf(ticket));
            if (token == null) {
                return refuse(401, "unauthenticated", "the stream ticket is not valid (unknown or expired); get a new"
                        + " one with POST /api/stream-tickets");
            }
        } else {
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return refuse(401, "unauthenticated", "send an API token as 'Authorization: Bearer <token>'"
                        + " (event and log streams also take ?ticket= from POST /api/stream-tickets)");
            }
            String secret = header.substring(7).trim();
            token = QuarkusTransaction.requiringNew().call(() -> {
                ApiToken found = ApiToken.findBySecret(secret);
                if (found != null) {
                    found.lastUsedAt = OffsetDateTime.now();
                }
                return found;
            });
            if (token == null) {
                return refuse(401, "unauthenticated", "the API token is not valid (unknown or revoked)");
            }
        }
        List<String> scope = token.applicationScope();
        Set<String> applicationIds = scope == null ? null : QuarkusTransaction.requiringNew().call(() -> Set.copyOf(
                Application.getEntityManager().createQuery("select a.id from Application a where a.name in :names",
                        String.class).setParameter("names", scope.isEmpty() ? List.of("") : scope).getResultList()));
        caller.authenticatedAs(token, applicationIds);
        // the admin routes every service shares (e.g. /api/admin/outbox) know nothing of roles
        Role required = path.startsWith("/api/admin/") ? Role.ADMIN : required();
        if (!token.role.covers(required)) {
            return refuse(403, "forbidden", "this needs the " + required.name().toLowerCase() + " role; token '"
                    + token.name + "' has " + token.role.name().toLowerCase());
        }
        return applicationIds == null ? null : outOfScope(request, applicationIds);
    }

    /**
     * A token limited to some applications gets 404 for an environment, workflow or application of another one,
     * as if it did not exist: it learns nothing of applications it may not see.
     */
    private Response outOfScope(ContainerRequestContext request, Set<String> applicationIds) {
        var params = request.getUriInfo().getPathParameters();
        String id = params.getFirst("id");
        if (id == null) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        String what;
        String applicationId;
        if (path.startsWith("/api/environments/")) {
            what = "environment";
            applicationId = QuarkusTransaction.requiringNew().call(() -> applicationOfEnvironment(id));
        } else if (path.startsWith("/api/workflows/")) {
            what = "workflow";
            applicationId = QuarkusTransaction.requiringNew().call(() -> {
                Workflow wf = Workflow.findById(id);
                return wf == null ? null : applicationOfEnvironment(wf.environmentId);
            });
        } else if (path.startsWith("/api/applications/")) {
            what = "application";
            applicationId = QuarkusTransaction.requiringNew().call(() -> {
                Application app = Application.find("id = ?1 or name = ?1", id).firstResult();
                return app == null ? null : app.id;
            });
        } else {
            return null;
        }
        if (applicationId != null && !applicationIds.contains(applicationId)) {
            return Response.status(404).type(MediaType.APPLICATION_JSON).entity(ApiException.notFound(what, id).body())
                    .build();
        }
        return null;
    }

    private static String applicationOfEnvironment(String environmentId) {
        Environment env = environmentId == null ? null : Environment.findById(environmentId);
        return env == null ? null : env.applicationId;
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
