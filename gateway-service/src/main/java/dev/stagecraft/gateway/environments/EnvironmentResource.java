package dev.stagecraft.gateway.environments;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.auth.RequiresRole;
import dev.stagecraft.gateway.auth.Role;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.git.RemoteRefs;

/** Lists and shows environments and takes the actions people click: deploy, re-run setup, delete. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class EnvironmentResource {

    @Inject
    EnvironmentProcess process;

    @Inject
    RemoteRefs remoteRefs;

    @ConfigProperty(name = "stagecraft.environments.ephemeral-ttl")
    Duration ephemeralTtl;

    @ConfigProperty(name = "stagecraft.environments.max-ttl")
    Duration maxTtl;

    @GET
    @Path("environments")
    public List<EnvironmentView> list(@QueryParam("application") String application, @QueryParam("state") String state,
            @QueryParam("branch") String branch) {
        StringBuilder query = new StringBuilder("1 = 1");
        Map<String, Object> params = new HashMap<>();
        if (application != null) {
            Application app = Application.find("name = ?1 or id = ?1", application).firstResult();
            if (app == null) {
                throw ApiException.notFound("application", application);
            }
            query.append(" and applicationId = :app");
            params.put("app", app.id);
        }
        if (state != null) {
            try {
                params.put("state", EnvironmentState.valueOf(state.toUpperCase()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("state '" + state + "' is not one of " + List.of(EnvironmentState.values()));
            }
            query.append(" and state = :state");
        }
        if (branch != null) {
            query.append(" and branch = :branch");
            params.put("branch", branch);
        }
        List<EnvironmentView> views = new ArrayList<>();
        for (Environment env : Environment.<Environment>list(query + " order by createdAt desc", params)) {
            views.add(EnvironmentView.of(env, false));
        }
        return views;
    }

    @GET
    @Path("environments/{id}")
    public EnvironmentView get(@PathParam("id") String id) {
        return EnvironmentView.of(find(id), true);
    }

    /** The Deploy button: deploys {@code commit}, or the head of the environment's branch. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/deploy")
    @Transactional
    public Response deploy(@PathParam("id") String id, String body) {
        DeployRequest request = optionalBody(body, DeployRequest.class);
        Environment env = find(id);
        requireAlive(env);
        String commit = request != null && request.commit() != null ? request.commit()
                : remoteRefs.head(Application.<Application>findById(env.applicationId).repositoryUrl, env.branch);
        if (!commit.matches("[0-9a-f]{40}")) {
            throw ApiException.badRequest("commit '" + commit + "' is not a full 40-character hexadecimal SHA-1");
        }
        process.deploy(env, commit, null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/setup")
    @Transactional
    public Response setup(@PathParam("id") String id) {
        Environment env = find(id);
        requireAlive(env);
        if (env.activeWorkflowId != null) {
            throw new ApiException(409, "workflow_running", "environment '" + id + "' is " + env.state
                    + "; re-run setup when its workflow has ended");
        }
        process.rerunSetup(env, Application.findById(env.applicationId), null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    /** Lets a pull request from a fork build and deploy. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/approve")
    @Transactional
    public Response approve(@PathParam("id") String id) {
        Environment env = find(id);
        if (!env.awaitingApproval) {
            throw new ApiException(409, "not_awaiting_approval", "environment '" + id
                    + "' is not a fork's pull request awaiting approval");
        }
        process.approve(env, null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    /**
     * Pushes the expiry of an ephemeral environment back by {@code by} (ISO-8601, default the installation's TTL),
     * never beyond {@code stagecraft.environments.max-ttl} from now.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/extend")
    @Transactional
    public EnvironmentView extend(@PathParam("id") String id, String body) {
        ExtendRequest request = optionalBody(body, ExtendRequest.class);
        Environment env = find(id);
        requireAlive(env);
        if (env.kind == Environment.Kind.PERMANENT) {
            throw new ApiException(409, "never_expires", "environment '" + id + "' is permanent and never expires");
        }
        Duration by = ephemeralTtl;
        if (request != null && request.by() != null) {
            try {
                by = Duration.parse(request.by());
            } catch (java.time.format.DateTimeParseException e) {
                throw ApiException.badRequest("by '" + request.by() + "' is not an ISO-8601 duration such as PT12H or P2D");
            }
            if (by.isNegative() || by.isZero()) {
                throw ApiException.badRequest("by must be a positive duration, found " + request.by());
            }
        }
        OffsetDateTime now = OffsetDateTime.now();
        OffsetDateTime from = env.expiresAt == null || env.expiresAt.isBefore(now) ? now : env.expiresAt;
        OffsetDateTime latest = now.plus(maxTtl);
        env.expiresAt = from.plus(by).isAfter(latest) ? latest : from.plus(by);
        env.updatedAt = now;
        return EnvironmentView.of(env, false);
    }

    /** The body of POST /api/environments/{id}/extend; {@code by} is optional. */
    public record ExtendRequest(String by) {
    }

    @DELETE
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}")
    @Transactional
    public Response delete(@PathParam("id") String id) {
        Environment env = find(id);
        process.retryTeardown(env, "deleted through the API", null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    /** A JSON body that may be left out: actions such as deploy and extend have sensible defaults. */
    private static <T> T optionalBody(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return EventJson.mapper().readValue(body, type);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("the body is not a valid " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void requireAlive(Environment env) {
        if (!env.state.alive()) {
            throw new ApiException(409, "environment_gone", "environment '" + env.id + "' is " + env.state
                    + "; it cannot be deployed, set up or extended");
        }
    }

    private static Environment find(String id) {
        Environment env = Environment.findById(id);
        if (env == null) {
            throw ApiException.notFound("environment", id);
        }
        return env;
    }

    /** The body of POST /api/environments/{id}/deploy; {@code commit} is optional. */
    public record DeployRequest(String commit) {
    }
}
