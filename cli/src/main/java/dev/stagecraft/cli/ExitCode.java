package dev.stagecraft.cli;

/** What the command's exit status says; every code but {@link #FAILED} follows the outcome of the HTTP call. */
public enum ExitCode {
    OK(0, "success (the gateway answered 2xx)"),
    FAILED(1, "the workflow that logs -f followed failed or was cancelled, or the command failed unexpectedly"),
    USAGE(2, "usage error: an unknown command or option, a missing argument, an unreadable file, no URL or token"),
    UNAUTHENTICATED(3, "the gateway refused the token: 401 (unknown or revoked) or 403 (the role is too low)"),
    NOT_FOUND(4, "404: no such application, environment, workflow or token (or one the token may not see)"),
    REFUSED(5, "the gateway refused the request: 400, 409, 422 or another 4xx"),
    UNAVAILABLE(6, "the gateway failed (5xx), could not be reached, answered something else, or closed a stream");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The exit code for an HTTP status the gateway answered. */
    public static ExitCode forStatus(int status) {
        if (status >= 200 && status < 300) {
            return OK;
        }
        if (status == 401 || status == 403) {
            return UNAUTHENTICATED;
        }
        if (status == 404) {
            return NOT_FOUND;
        }
        if (status >= 400 && status < 500) {
            return REFUSED;
        }
        return UNAVAILABLE;
    }
}
