package dev.stagecraft.gateway.hosts;

/** A call to a git host's API that the host refused or that did not reach it; {@code status} 0 without an answer. */
public final class HostApiException extends RuntimeException {

    private final int status;

    public HostApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Worth another try later: no answer, a server error, or rate limiting. */
    public boolean transientFailure() {
        return status == 0 || status >= 500 || status == 429 || status == 403;
    }
}
