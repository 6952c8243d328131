package dev.stagecraft.gateway.hosts;

/**
 * What a commit status says on any host: its state, the name it is kept under (one per environment, so a later
 * status replaces an earlier one), a short text and the page it links to (none: the host's default, if any).
 */
public record CommitStatus(State state, String name, String description, String targetUrl) {

    /** The longest description every host takes (GitHub's limit). */
    static final int DESCRIPTION = 140;

    /** Each host names these its own way: GitHub pending/success/failure/error, GitLab, Bitbucket. */
    public enum State {
        RUNNING, SUCCESS, FAILURE, CANCELLED
    }

    public CommitStatus {
        description = description.length() > DESCRIPTION ? description.substring(0, DESCRIPTION - 3) + "..."
                : description;
    }
}
