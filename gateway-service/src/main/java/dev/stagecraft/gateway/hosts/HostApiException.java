package dev.stagecraft.gateway.hosts;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URI;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;

/** A call to a git host's API that the host refused or that did not reach it; {@code status} 0 without an answer. */
public final class HostApiException extends RuntimeException {

    /** Characters of an answer's body a message keeps. */
    private static final int EXCERPT = 300;

    private final int status;
    private final boolean askable;

    public HostApiException(int status, String message) {
        this(status, message, true);
    }

    private HostApiException(int status, String message, boolean askable) {
        super(message);
        this.status = status;
        this.askable = askable;
    }

    /** A call that cannot be made at all (no token, a URL that names no repository): trying again changes nothing. */
    public static HostApiException cannotAsk(String message) {
        return new HostApiException(0, message, false);
    }

    /**
     * The host's answer other than a success, as its REST client received it for {@code method} on {@code uri}:
     * "GET /path answered 404: " and the start of the body.
     */
    public static HostApiException answered(Response response, Method method, URI uri) {
        String text = response.hasEntity() ? response.readEntity(String.class) : "";
        return new HostApiException(response.getStatus(), verb(method) + " " + uri.getPath() + " answered "
                + response.getStatus() + ": " + (text.length() > EXCERPT ? text.substring(0, EXCERPT) : text));
    }

    /** A redirect {@code host} answered with (a renamed repository, say): not followed, and not tried again. */
    public static HostApiException redirected(String host, Response response) {
        return new HostApiException(response.getStatus(), host + " answered " + response.getStatus()
                + ", a redirect to " + response.getLocation() + ", which is not followed");
    }

    /** No answer from {@code host} (not reached, or too slow): worth another try. */
    public static HostApiException unanswered(String host, ProcessingException e) {
        return new HostApiException(0, host + " did not answer: " + e.getMessage());
    }

    /** The HTTP method a REST client method is annotated with. */
    private static String verb(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return method.getName();
    }

    public int status() {
        return status;
    }

    /** Worth another try later: no answer, a server error, or rate limiting. */
    public boolean transientFailure() {
        return askable && (status == 0 || status >= 500 || status == 429 || status == 403);
    }
}
