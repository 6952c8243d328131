package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/** The new images run; {@code replaced} names the services whose container was replaced, the others were untouched. */
public record PatchSucceeded(String environmentId, String workflowId, Map<String, String> endpoints,
        List<String> replaced) implements StageOutcome.Succeeded {
}
