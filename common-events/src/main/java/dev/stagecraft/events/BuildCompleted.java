package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/**
 * Every service has an image. {@code templates} holds the raw template files found in the repository at the commit
 * ({@code .stagecraft/} or {@code .release/}), path to content, so the gateway can resolve a GitOps spec.
 */
public record BuildCompleted(String environmentId, String workflowId, String commit, List<ImageRef> images,
        Map<String, String> templates) implements StageOutcome.Succeeded {
}
