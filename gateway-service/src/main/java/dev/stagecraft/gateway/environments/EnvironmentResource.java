package dev.stagecraft.gateway.environments;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.api.Paging;
import dev.stagecraft.gateway.auth.RequiresRole;
import dev.stagecraft.gateway.auth.Role;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.auth.Caller;

/** Lists and shows environments and takes the actions people click (see {@link EnvironmentActions}). */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class EnvironmentResource {

    @Inject
    EnvironmentActions actions;

    @Inject
    ConflictRetry conflicts;

    @Inject
    Caller caller;

    /** Environments newest first, filtered by application, state and branch; paged (see {@link Paging}). */
    @GET
    @Path("environments")
    public RestResponse<List<EnvironmentView>> list(@QueryParam("application") String application,
            @QueryParam("state") String state, @QueryParam("branch") String branch, @QueryParam("limit") Integer limit,
            @QueryParam("after") String after, @Context UriInfo uri) {
        Paging.NewestFirst page = Paging.newestFirst("createdAt", limit, after).within(caller.scope(),
                "applicationId");
        if (application != null) {
            page.where("applicationId = :app", "app", visible(application).id);
        }
        if (state != null) {
            try {
                page.where("state = :state", "state", EnvironmentState.valueOf(state.toUpperCase()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("state '" + state + "' is not one of " + List.of(EnvironmentState.values()));
            }
        }
        if (branch != null) {
            page.where("branch = :branch", "branch", branch);
        }
        return page.listPage((query, params) -> Environment.find(query, params),
                (Environment env) -> new Paging.Cursor(env.createdAt, env.id), EnvironmentView::ofPage, uri);
    }

    /** The environment's timeline, oldest first; paged (see {@link Paging}). */
    @GET
    @Path("environments/{id}/timeline")
    public RestResponse<List<EnvironmentView.TimelineView>> timeline(@PathParam("id") String id,
            @QueryParam("limit") Integer limit, @QueryParam("after") String after, @Context UriInfo uri) {
        find(id);
        int size = Paging.limit(limit);
        Paging.Cursor cursor = Paging.after(after);
        long afterId;
        try {
            afterId = cursor == null ? 0L : Long.parseLong(cursor.id());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after '" + after + "' is not a cursor of this timeline");
        }
        List<TimelineEntry> fetched = TimelineEntry.<TimelineEntry>find("environmentId = ?1 and id > ?2 order by id", id,
                afterId).page(0, size + 1).list();
        return Paging.page(fetched, size, e -> new Paging.Cursor(e.occurredAt, Long.toString(e.id)),
                EnvironmentView.TimelineView::of, uri);
    }

    @GET
    @Path("environments/{id}")
    public EnvironmentView get(@PathParam("id") String id) {
        return EnvironmentView.of(find(id), true);
    }

    /** Creates an environment for a branch: {@code {"application", "branch", "commit" and "kind" optional}}. */
    @POST
    @Path("environments")
    @RequiresRole(Role.DEPLOYER)
    public Response create(CreateRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a JSON body with application and branch (and optionally commit) is required");
        }
        if (caller.scope() != null && request.application() != null) {
            visible(request.application());
        }
        String commit = actions.commitToCreate(request.application(), request.branch(), request.commit());
        EnvironmentView env = retried(() -> actions.create(request.application(), request.branch(), commit,
                request.kind(), actor()));
        return Response.created(URI.create("/api/environments/" + env.id())).entity(env).build();
    }

    /**
     * The body of POST /api/environments; {@code commit} is optional (default: the branch's head), {@code kind}
     * too (permanent or ephemeral; default: permanent for the tracking branch).
     */
    public record CreateRequest(String application, String branch, String commit, String kind) {
    }

    /** The Deploy button: deploys {@code commit}, or the head of the environment's branch. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/deploy")
    public Response deploy(@PathParam("id") String id, String body) {
        DeployRequest request = optionalBody(body, DeployRequest.class);
        String commit = actions.commitToDeploy(id, request == null ? null : request.commit());
        return accepted(() -> actions.deploy(id, commit, actor()));
    }

    /** The body of POST /api/environments/{id}/deploy; {@code commit} is optional. */
    public record DeployRequest(String commit) {
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/setup")
    public Response setup(@PathParam("id") String id) {
        return accepted(() -> actions.setup(id, actor()));
    }

    /** Lets a pull request from a fork build and deploy the commit the body names, the one that was reviewed. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/approve")
    public Response approve(@PathParam("id") String id, String body) {
        ApproveRequest request = optionalBody(body, ApproveRequest.class);
        return accepted(() -> actions.approve(id, request == null ? null : request.commit(), actor()));
    }

    /** The body of POST /api/environments/{id}/approve: the commit that was reviewed (required). */
    public record ApproveRequest(String commit) {
    }

    /**
     * Pushes the expiry of an ephemeral environment back by {@code by} (ISO-8601, default the installation's TTL),
     * never beyond {@code stagecraft.environments.max-ttl} from now.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/extend")
    public EnvironmentView extend(@PathParam("id") String id, String body) {
        ExtendRequest request = optionalBody(body, ExtendRequest.class);
        return retried(() -> actions.extend(id, request == null ? null : request.by(), actor()));
    }

    /** The body of POST /api/environments/{id}/extend; {@code by} is optional. */
    public record ExtendRequest(String by) {
    }

    /**
     * Pauses the environment: its containers stop (Docker) or its Deployments scale to 0 (Kubernetes); its network,
     * volumes and spec stay. Ephemeral environments only, unless the installation allows permanent ones.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/pause")
    public Response pause(@PathParam("id") String id) {
        return accepted(() -> actions.pause(id, actor()));
    }

    /**
     * Sets the environment's own pause schedule, which wins over its application's: a schedule (see
     * {@link PauseSchedule}), or {@code {"none": true}} for none at all.
     */
    @PUT
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/pause-schedule")
    @Consumes(MediaType.APPLICATION_JSON)
    public EnvironmentView schedule(@PathParam("id") String id, String body) {
        boolean none = body != null && body.replaceAll("\\s", "").equals("{\"none\":true}");
        PauseSchedule schedule = none ? null : PauseSchedule.parse(body == null || body.isBlank() ? "null" : body);
        return retried(() -> actions.schedule(id, schedule, false, actor()));
    }

    /** The environment follows its application's pause schedule again. */
    @DELETE
    @RequiresRole(Role.DEPLOYER)
    @Consumes(MediaType.WILDCARD)
    @Path("environments/{id}/pause-schedule")
    public EnvironmentView inheritSchedule(@PathParam("id") String id) {
        return retried(() -> actions.schedule(id, null, true, actor()));
    }

    /** Resumes a paused environment with exactly the commit it had; a commit pushed meanwhile follows. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}/resume")
    public Response resume(@PathParam("id") String id) {
        return accepted(() -> actions.resume(id, actor()));
    }

    @DELETE
    @Consumes(MediaType.WILDCARD)
    @RequiresRole(Role.DEPLOYER)
    @Path("environments/{id}")
    public Response delete(@PathParam("id") String id) {
        return accepted(() -> actions.delete(id, actor()));
    }

    /** The application named {@code nameOrId}, or a 404 when there is none the caller may see. */
    private Application visible(String nameOrId) {
        Application app = Application.find("name = ?1 or id = ?1", nameOrId).firstResult();
        if (app == null || !caller.sees(app.id)) {
            throw ApiException.notFound("application", nameOrId);
        }
        return app;
    }

    /** 202 with the environment as {@code action}, run as {@link #retried} runs it, left it. */
    private Response accepted(java.util.function.Supplier<Environment> action) {
        return Response.accepted(retried(action)).build();
    }

    /**
     * Runs an action in a transaction of its own, again when a stage event changed the environment at the same
     * moment (optimistic lock): a click never fails because a build reported progress.
     */
    private EnvironmentView retried(java.util.function.Supplier<Environment> action) {
        return conflicts.inTransaction(() -> EnvironmentView.of(action.get(), false));
    }

    private EnvironmentActions.Actor actor() {
        return new EnvironmentActions.Actor(caller.actor(), "http");
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

    private static Environment find(String id) {
        return EnvironmentActions.find(id);
    }
}
