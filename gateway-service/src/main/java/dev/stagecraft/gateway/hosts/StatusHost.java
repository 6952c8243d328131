package dev.stagecraft.gateway.hosts;

/**
 * A git host as the status reporter tells it how an environment is doing: commit statuses, and one comment on the
 * pull (or merge) request that is edited in place. Each host's API implements it with its own REST calls.
 */
public interface StatusHost extends PullRequestStates {

    /** Sets the status {@code status.name()} of commit {@code sha} of the repository at {@code repositoryUrl}. */
    void commitStatus(String repositoryUrl, String sha, CommitStatus status);

    /** Posts a comment (Markdown) on pull request {@code number} and returns the host's id for it. */
    long createComment(String repositoryUrl, int number, String markdown);

    /**
     * Replaces the text of comment {@code commentId} on pull request {@code number}.
     *
     * @throws HostApiException with status 404 when the comment is gone
     */
    void updateComment(String repositoryUrl, int number, long commentId, String markdown);
}
