package dev.stagecraft.gateway.webhooks;

/** What a git host told us, in words that do not depend on the host: the provider-neutral event model. */
public sealed interface GitEvent {

    /** The host checks that the hook works. */
    record Ping() implements GitEvent {
    }

    /** A branch moved to {@code after}. */
    record Push(String branch, String after) implements GitEvent {
    }

    /** A branch was deleted (a push with no new commit, or a delete event). */
    record BranchDeleted(String branch) implements GitEvent {
    }

    /**
     * A pull or merge request was opened or reopened, or got new commits: its head is {@code sha} on {@code branch};
     * {@code fromFork} when the head is in another repository than the base; {@code labels} are the labels it carries
     * now, null when the host has no labels (Bitbucket).
     */
    record PullRequestHead(int number, String branch, String sha, String action, boolean fromFork,
            java.util.Set<String> labels) implements GitEvent {
    }

    /** A pull or merge request was closed, merged or declined. */
    record PullRequestClosed(int number, boolean merged) implements GitEvent {
    }

    /** Several events in one delivery (a Bitbucket push can move several branches). */
    record Batch(java.util.List<GitEvent> events) implements GitEvent {
    }

    /** Something Stagecraft does not act on, and why. */
    record Ignored(String reason) implements GitEvent {
    }
}
