package dev.stagecraft.events;

import java.util.List;

/** Nothing labelled with the environment is left; {@code removed} lists what this teardown deleted. */
public record TeardownSucceeded(String environmentId, String workflowId, List<String> removed)
        implements StageOutcome.Succeeded {
}
