package dev.stagecraft.events;

import java.util.List;

/** The build stopped; {@code service} is the one whose build failed (null when the clone itself failed). */
public record BuildFailed(String environmentId, String workflowId, String commit, String service, String reason,
        List<String> logTail) implements StageOutcome.Failed {
}
