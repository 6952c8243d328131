package dev.stagecraft.gateway.hosts;

import java.util.regex.Pattern;

/** How git hosts' APIs name the repository of a repository URL (https, ssh and scp-like forms). */
public final class RepositoryPaths {

    /** An owner or repository name as GitHub and Bitbucket allow it (so it goes into an API path as it is). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private RepositoryPaths() {
    }

    /**
     * owner/name: the last two segments of a repository URL's path (GitHub's owner and repository, Bitbucket's
     * workspace and slug).
     *
     * @throws HostApiException that cannot be asked again, naming the URL, when it has no such segments
     */
    public static String ownerAndName(String url) {
        String[] parts = repositoryPath(url).split("/");
        if (parts.length < 2 || !NAME.matcher(parts[parts.length - 2]).matches()
                || !NAME.matcher(parts[parts.length - 1]).matches()) {
            throw HostApiException.cannotAsk("repository URL " + url + " names no owner/repository");
        }
        return parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }

    /** The path of a repository URL without host and ".git": "group/sub/repo". */
    public static String repositoryPath(String url) {
        return url.replaceFirst("^[a-z+]+://[^/]+/", "").replaceFirst("^[^@/]+@[^:]+:", "")
                .replaceFirst("\\.git$", "").replaceAll("/+$", "");
    }
}
