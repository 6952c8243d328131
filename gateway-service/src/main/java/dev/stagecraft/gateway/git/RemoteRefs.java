package dev.stagecraft.gateway.git;

import java.util.Collection;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Ref;

import dev.stagecraft.gateway.api.ApiException;

/** Reads branch heads of a remote repository without cloning it (git ls-remote). */
@ApplicationScoped
public class RemoteRefs {

    /** The commit {@code branch} points at in {@code repositoryUrl}. */
    public String head(String repositoryUrl, String branch) {
        try {
            Collection<Ref> refs = Git.lsRemoteRepository().setRemote(repositoryUrl).setHeads(true).setTimeout(30).call();
            return refs.stream().filter(r -> r.getName().equals("refs/heads/" + branch)).findFirst()
                    .map(r -> r.getObjectId().name())
                    .orElseThrow(() -> new ApiException(422, "unknown_branch",
                            "branch '" + branch + "' does not exist in " + repositoryUrl + "; its branches are "
                                    + refs.stream().map(r -> r.getName().substring("refs/heads/".length())).toList()));
        } catch (GitAPIException e) {
            throw new ApiException(502, "repository_unreachable",
                    "could not read the branches of " + repositoryUrl + ": " + e.getMessage());
        }
    }
}
