package dev.stagecraft.events;

import java.util.List;

/** Remove everything the environment owns; {@code images} are the images it ran, removed when nothing else uses them. */
public record TeardownRequested(String environmentId, String workflowId, String reason,
        List<String> images, String runtime, EnvironmentSpec spec) implements Command {

    /** Without a runtime: the installation's default holds the environment. */
    public TeardownRequested(String environmentId, String workflowId, String reason, List<String> images) {
        this(environmentId, workflowId, reason, images, null, null);
    }

    /** Without the spec: no teardown workflow runs, everything labelled is removed. */
    public TeardownRequested(String environmentId, String workflowId, String reason, List<String> images,
            String runtime) {
        this(environmentId, workflowId, reason, images, runtime, null);
    }
}
