package dev.stagecraft.gateway.hosts;

import java.lang.reflect.Method;
import java.net.URI;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;

/**
 * Bitbucket Cloud's REST API (2.0), as far as Stagecraft calls it: the state of a pull request, commit build
 * statuses and pull request comments. {@code repository}: workspace/slug, as {@link RepositoryPaths#ownerAndName}
 * gives it.
 */
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface BitbucketClient {

    @GET
    @Path("/repositories/{repository}/pullrequests/{number}")
    PullRequest pullRequest(@Encoded @PathParam("repository") String repository, @PathParam("number") int number);

    /** Creates the build status {@code status.key()} of the commit, or overwrites it when the key exists. */
    @POST
    @Path("/repositories/{repository}/commit/{sha}/statuses/build")
    BuildStatus createStatus(@Encoded @PathParam("repository") String repository, @PathParam("sha") String sha,
            BuildStatus status);

    @POST
    @Path("/repositories/{repository}/pullrequests/{number}/comments")
    Comment createComment(@Encoded @PathParam("repository") String repository, @PathParam("number") int number,
            Comment comment);

    @PUT
    @Path("/repositories/{repository}/pullrequests/{number}/comments/{id}")
    Comment updateComment(@Encoded @PathParam("repository") String repository, @PathParam("number") int number,
            @PathParam("id") long id, Comment comment);

    /** OPEN, MERGED, DECLINED or SUPERSEDED. */
    record PullRequest(String state) {
    }

    /** A build status: its key, INPROGRESS, SUCCESSFUL, FAILED or STOPPED, the page it links to, name and text. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BuildStatus(String key, String state, String url, String name, String description) {
    }

    /** A pull request comment: Bitbucket's id for it (none when it is sent), and its Markdown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Comment(Long id, Content content) {

        static Comment of(String markdown) {
            return new Comment(null, new Content(markdown));
        }
    }

    /** A comment's text as written. */
    record Content(String raw) {
    }

    @ClientExceptionMapper
    static HostApiException refused(Response response, Method method, URI uri) {
        return HostApiException.answered(response, method, uri);
    }
}
