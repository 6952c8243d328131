package dev.stagecraft.events;

/**
 * A stage service is still working on the workflow ({@code runningSeconds} since it started it): sent every
 * {@code stagecraft.stage.heartbeat} while the work lasts, so the gateway's workflow deadline measures silence, not
 * the length of a long build or setup. Not shown on the timeline.
 */
public record WorkflowProgressed(String environmentId, String workflowId, long runningSeconds)
        implements LifecycleEvent {
}
