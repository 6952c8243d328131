package dev.stagecraft.gateway.api;

import java.util.List;

/** An error a client caused, with the HTTP status, a stable error code and a message naming what was wrong. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String error;
    private final List<?> details;

    public ApiException(int status, String error, String message) {
        this(status, error, message, List.of());
    }

    public ApiException(int status, String error, String message, List<?> details) {
        super(message);
        this.status = status;
        this.error = error;
        this.details = details;
    }

    public int status() {
        return status;
    }

    public ApiError body() {
        return new ApiError(error, getMessage(), details);
    }

    public static ApiException notFound(String what, String id) {
        return new ApiException(404, "not_found", "no " + what + " with id '" + id + "'");
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }
}
