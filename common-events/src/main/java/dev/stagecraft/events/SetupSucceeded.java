package dev.stagecraft.events;

import java.util.Map;

/** Every service runs and answers; {@code endpoints} maps service name to URL. */
public record SetupSucceeded(String environmentId, String workflowId, Map<String, String> endpoints)
        implements StageOutcome.Succeeded {
}
