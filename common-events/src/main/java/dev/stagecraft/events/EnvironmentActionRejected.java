package dev.stagecraft.events;

/**
 * The gateway's answer to an {@link EnvironmentActionRequested} it did not carry out: {@code commandId} is the
 * rejected command's CloudEvent id, {@code status} and {@code error} are what the HTTP API would have answered
 * (e.g. 404 not_found, 409 workflow_running) and {@code message} says what was wrong and what is accepted.
 */
public record EnvironmentActionRejected(String environmentId, String workflowId, String commandId, String action,
        String actor, int status, String error, String message) implements LifecycleEvent {
}
