package dev.stagecraft.gateway.github;

import java.lang.reflect.Method;
import java.net.URI;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.stagecraft.gateway.hosts.HostApiException;
import io.quarkus.rest.client.reactive.ClientExceptionMapper;

/**
 * GitHub's REST API, as far as Stagecraft calls it: commit statuses, issue comments, pull requests, deployments and
 * their statuses. {@code repository}
 * is owner/name, as {@code RepositoryPaths.ownerAndName} gives it.
 */
@Path("/repos/{repository}")
@Produces("application/vnd.github+json")
@Consumes(MediaType.APPLICATION_JSON)
@ClientHeaderParam(name = "X-GitHub-Api-Version", value = "2022-11-28")
public interface GitHubClient {

    @POST
    @Path("/statuses/{sha}")
    Status createStatus(@Encoded @PathParam("repository") String repository, @PathParam("sha") String sha,
            Status status);

    @POST
    @Path("/issues/{number}/comments")
    Comment createComment(@Encoded @PathParam("repository") String repository, @PathParam("number") int number,
            Comment comment);

    @PATCH
    @Path("/issues/comments/{id}")
    Comment updateComment(@Encoded @PathParam("repository") String repository, @PathParam("id") long id,
            Comment comment);

    /** With {@code auto_merge} false GitHub answers 201 and the deployment (202 is for a merge it made). */
    @POST
    @Path("/deployments")
    Deployment createDeployment(@Encoded @PathParam("repository") String repository, Deployment deployment);

    @POST
    @Path("/deployments/{id}/statuses")
    DeploymentStatus createDeploymentStatus(@Encoded @PathParam("repository") String repository,
            @PathParam("id") long id, DeploymentStatus status);

    @GET
    @Path("/pulls/{number}")
    PullRequest pullRequest(@Encoded @PathParam("repository") String repository, @PathParam("number") int number);

    /** A commit status: its state (pending, success, failure or error), the page it links to (or none), its text. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Status(String state, @JsonProperty("target_url") String targetUrl, String description, String context) {
    }

    /** An issue comment: GitHub's id for it (none when it is sent), and its Markdown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Comment(Long id, String body) {
    }

    /**
     * A deployment as sent (the commit, a stable environment name, whether that environment goes away, no merge and
     * no required status checks) and as answered (its id).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Deployment(Long id, String ref, String environment, String description,
            @JsonProperty("transient_environment") Boolean transientEnvironment,
            @JsonProperty("production_environment") Boolean productionEnvironment,
            @JsonProperty("auto_merge") Boolean autoMerge,
            @JsonProperty("required_contexts") List<String> requiredContexts) {
    }

    /** A deployment status: in_progress, success, failure or inactive, its text and the environment's URL. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeploymentStatus(String state, String description,
            @JsonProperty("environment_url") String environmentUrl) {
    }

    /** open or closed. */
    record PullRequest(String state) {
    }

    @ClientExceptionMapper
    static HostApiException refused(Response response, Method method, URI uri) {
        return HostApiException.answered(response, method, uri);
    }
}
