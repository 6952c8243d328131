package dev.stagecraft.events;

/** Stop the workflow {@code workflowId} of this environment as soon as possible; sent to the stage running it. */
public record CancelRequested(String environmentId, String workflowId, String reason) implements Command {
}
