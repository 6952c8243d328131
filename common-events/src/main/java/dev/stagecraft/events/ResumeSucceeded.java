package dev.stagecraft.events;

import java.util.Map;

/** The environment's services run again as before the pause and answer at {@code endpoints}. */
public record ResumeSucceeded(String environmentId, String workflowId, Map<String, String> endpoints)
        implements StageOutcome.Succeeded {
}
