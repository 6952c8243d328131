package dev.stagecraft.events;

/** The patch-service accepted a ResumeRequested and started work. */
public record ResumeStarted(String environmentId, String workflowId) implements LifecycleEvent {
}
