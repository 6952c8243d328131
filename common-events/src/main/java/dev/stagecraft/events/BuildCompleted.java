package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/**
 * Every service has an image. {@code templates} holds the raw template files found in the repository at the commit
 * ({@code .stagecraft/} or {@code .release/}), path to content, so the gateway can resolve a GitOps spec;
 * {@code imports}, the branch and commit each imported application was built at.
 */
public record BuildCompleted(String environmentId, String workflowId, String commit, List<ImageRef> images,
        Map<String, String> templates, List<ImportedCommit> imports) implements StageOutcome.Succeeded {

    public BuildCompleted {
        imports = imports == null ? List.of() : List.copyOf(imports);
    }

    /** A build of an environment that imports no application. */
    public BuildCompleted(String environmentId, String workflowId, String commit, List<ImageRef> images,
            Map<String, String> templates) {
        this(environmentId, workflowId, commit, images, templates, List.of());
    }

    /** Where an imported application's services were built from: the branch the rule picked and its commit. */
    public record ImportedCommit(String application, String branch, String commit) {
    }
}
