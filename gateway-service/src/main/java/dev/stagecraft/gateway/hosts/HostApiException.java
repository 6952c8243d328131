package dev.stagecraft.gateway.hosts;

/** A call to a git host's API that the host refused or that did not reach it; {@code status} 0 without an answer. */
public final class HostApiException extends RuntimeException {

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

    public int status() {
        return status;
    }

    /** Worth another try later: no answer, a server error, or rate limiting. */
    public boolean transientFailure() {
        return askable && (status == 0 || status >= 500 || status == 429 || status == 403);
    }
}
