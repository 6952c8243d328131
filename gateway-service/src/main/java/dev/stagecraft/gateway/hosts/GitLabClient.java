package dev.stagecraft.gateway.hosts;

import java.lang.reflect.Method;
import java.net.URI;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

/**
 * GitLab's REST API (v4), as far as Stagecraft calls it: the state of a merge request, commit statuses and merge
 * request notes. {@code project}: the project's path ("group/sub/repo"), which the client encodes into one segment.
 */
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface GitLabClient {

    @GET
    @Path("/projects/{project}/merge_requests/{number}")
    MergeRequest mergeRequest(@PathParam("project") String project, @PathParam("number") int number);

    @POST
    @Path("/projects/{project}/statuses/{sha}")
    Status createStatus(@PathParam("project") String project, @PathParam("sha") String sha, Status status);

    @POST
    @Path("/projects/{project}/merge_requests/{number}/notes")
    Note createNote(@PathParam("project") String project, @PathParam("number") int number, Note note);

    @PUT
    @Path("/projects/{project}/merge_requests/{number}/notes/{id}")
    Note updateNote(@PathParam("project") String project, @PathParam("number") int number, @PathParam("id") long id,
            Note note);

    /** opened, closed, merged or locked. */
    record MergeRequest(String state) {
    }

    /**
     * A commit status as sent (pending, running, success, failed or canceled; its name, page and text) and as
     * answered, where GitLab calls the state {@code status}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Status(String state, String name, @JsonProperty("target_url") String targetUrl, String description) {
    }

    /** A merge request note: GitLab's id for it (none when it is sent), and its Markdown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Note(Long id, String body) {
    }

    @ClientExceptionMapper
    static HostApiException refused(Response response, Method method, URI uri) {
        return HostApiException.answered(response, method, uri);
    }
}
