package dev.stagecraft.gateway.hosts;

import java.lang.reflect.Method;
import java.net.URI;

import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

/** Bitbucket Cloud's REST API (2.0), as far as Stagecraft calls it: the state of a pull request. */
@Produces(MediaType.APPLICATION_JSON)
public interface BitbucketClient {

    /** {@code repository}: workspace/slug, as {@link RepositoryPaths#ownerAndName} gives it. */
    @GET
    @Path("/repositories/{repository}/pullrequests/{number}")
    PullRequest pullRequest(@Encoded @PathParam("repository") String repository, @PathParam("number") int number);

    /** OPEN, MERGED, DECLINED or SUPERSEDED. */
    record PullRequest(String state) {
    }

    @ClientExceptionMapper
    static HostApiException refused(Response response, Method method, URI uri) {
        return HostApiException.answered(response, method, uri);
    }
}
