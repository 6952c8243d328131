package dev.stagecraft.cli.gateway;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Json;

/**
 * A request that did not succeed: the gateway's own error ({@code {"error", "message", "details"}}) with the HTTP
 * status, or why there was no answer; and the exit code it means.
 */
public final class ApiFailure extends RuntimeException {

    private static final int SHOWN_BODY = 200;

    private final int status;
    private final String code;
    private final List<String> details;
    private final ExitCode exitCode;

    public ApiFailure(int status, String code, String message, List<String> details, ExitCode exitCode) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = List.copyOf(details);
        this.exitCode = exitCode;
    }

    /** The failure an answer other than 2xx is: the gateway's error body, or what came instead of one. */
    public static ApiFailure of(int status, String location, String body) {
        if (status >= 300 && status < 400) {
            return new ApiFailure(status, "redirect", "the gateway answered " + status + ", a redirect to "
                    + location + ": pass that address as --url", List.of(), ExitCode.UNAVAILABLE);
        }
        try {
            JsonNode error = Json.parse(body == null ? "" : body);
            if (error != null && error.hasNonNull("error") && error.hasNonNull("message")) {
                List<String> details = new ArrayList<>();
                error.path("details").forEach(d -> details.add(describe(d)));
                return new ApiFailure(status, error.get("error").asText(), error.get("message").asText(), details,
                        ExitCode.forStatus(status));
            }
        } catch (JsonProcessingException e) {
            // not the gateway's error body: shown as it came below
        }
        String shown = body == null || body.isBlank() ? "no body" : "body: " + abbreviate(body.strip());
        return new ApiFailure(status, "http_" + status, "the gateway answered HTTP " + status + " (" + shown + ")",
                List.of(), ExitCode.forStatus(status));
    }

    /** No answer at all: the gateway is down, the address is wrong, or it took too long. */
    public static ApiFailure unreachable(URI gateway, IOException cause) {
        String why = cause instanceof HttpTimeoutException ? "it did not answer in time"
                : cause instanceof ConnectException ? "connection refused or no route to it"
                : cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new ApiFailure(0, "unreachable", "cannot reach the gateway at " + gateway + ": " + why, List.of(),
                ExitCode.UNAVAILABLE);
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** The gateway's stable error code ({@code not_found}, {@code conflict}...) or one of this client's. */
    public String code() {
        return code;
    }

    /** The error's details, one line each (a template problem reads {@code file:line:column: path: message}). */
    public List<String> details() {
        return details;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /**
     * One detail of an error (or a warning of a template) on one line: a template problem as
     * {@code SEVERITY file:line:column: path: message}, text as it is, anything else as compact JSON.
     */
    public static String describe(JsonNode detail) {
        if (detail.isTextual()) {
            return detail.asText();
        }
        if (detail.isObject() && detail.hasNonNull("message") && detail.has("path")) {
            StringBuilder where = new StringBuilder();
            if (detail.hasNonNull("severity")) {
                where.append(detail.get("severity").asText()).append(' ');
            }
            where.append(detail.path("file").asText("template"));
            if (detail.path("line").asInt() > 0) {
                where.append(':').append(detail.get("line").asInt()).append(':')
                        .append(detail.path("column").asInt());
            }
            return where + ": " + detail.path("path").asText() + ": " + detail.get("message").asText();
        }
        return Json.compact(detail);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ");
        return oneLine.length() <= SHOWN_BODY ? oneLine : oneLine.substring(0, SHOWN_BODY) + "...";
    }
}
