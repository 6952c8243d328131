package dev.stagecraft.events;

/** One task ended with {@code status} SUCCEEDED or FAILED; {@code message} says why it failed. */
public record TaskFinished(String environmentId, String workflowId, String task, String status, String message)
        implements LifecycleEvent {
}
