package dev.stagecraft.gateway.hosts;

import java.lang.reflect.Method;
import java.net.URI;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

/** GitLab's REST API (v4), as far as Stagecraft calls it: the state of a merge request. */
@Produces(MediaType.APPLICATION_JSON)
public interface GitLabClient {

    /** {@code project}: the project's path ("group/sub/repo"), which the client encodes into one segment. */
    @GET
    @Path("/projects/{project}/merge_requests/{number}")
    MergeRequest mergeRequest(@PathParam("project") String project, @PathParam("number") int number);

    /** opened, closed, merged or locked. */
    record MergeRequest(String state) {
    }

    @ClientExceptionMapper
    static HostApiException refused(Response response, Method method, URI uri) {
        return HostApiException.answered(response, method, uri);
    }
}
