package dev.stagecraft.gateway.environments;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
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

import dev.stagecraft.gateway.api.ApiException;
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
    @Path("environments/{id}/deploy")
    @Transactional
    public Response deploy(@PathParam("id") String id, DeployRequest request) {
        Environment env = find(id);
        if (!env.state.alive()) {
            throw new ApiException(409, "environment_gone", "environment '" + id + "' is " + env.state
                    + " and cannot be deployed");
        }
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
    @Path("environments/{id}/setup")
    @Transactional
    public Response setup(@PathParam("id") String id) {
        Environment env = find(id);
        if (!env.state.alive()) {
            throw new ApiException(409, "environment_gone", "environment '" + id + "' is " + env.state);
        }
        process.rerunSetup(env, Application.findById(env.applicationId), null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    @DELETE
    @Consumes(MediaType.WILDCARD)
    @Path("environments/{id}")
    @Transactional
    public Response delete(@PathParam("id") String id) {
        Environment env = find(id);
        process.retryTeardown(env, "deleted through the API", null);
        return Response.accepted(EnvironmentView.of(env, false)).build();
    }

    @GET
    @Path("workflows/{id}")
    public EnvironmentView.WorkflowView workflow(@PathParam("id") String id) {
        Workflow wf = Workflow.findById(id);
        if (wf == null) {
            throw ApiException.notFound("workflow", id);
        }
        return EnvironmentView.WorkflowView.of(wf);
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
