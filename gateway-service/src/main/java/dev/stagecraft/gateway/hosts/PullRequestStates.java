package dev.stagecraft.gateway.hosts;

/** Asks a git host whether a pull (or merge) request is still open, with the installation's token for that host. */
public interface PullRequestStates {

    /** github, gitlab or bitbucket: the application provider this answers for. */
    String provider();

    /** The host's name as people know it: GitHub, GitLab, Bitbucket. */
    String displayName();

    /** Whether a token for the host is configured. */
    boolean enabled();

    /** @throws HostApiException when the host cannot be asked, refuses, or the URL names no repository of it */
    boolean isOpen(String repositoryUrl, int number);
}
