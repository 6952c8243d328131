package dev.stagecraft.events;

/** One task of a workflow step started, e.g. {@code services.web}. */
public record TaskStarted(String environmentId, String workflowId, String task) implements LifecycleEvent {
}
