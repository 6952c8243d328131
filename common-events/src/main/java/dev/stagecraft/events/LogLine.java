package dev.stagecraft.events;

/** One line of build or task output, published on {@link Topics#LOGS}; {@code source} names the service or task. */
public record LogLine(String environmentId, String workflowId, String source, String line) implements LifecycleEvent {
}
