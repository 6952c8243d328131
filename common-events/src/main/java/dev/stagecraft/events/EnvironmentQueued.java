package dev.stagecraft.events;

/**
 * The new environment waits for a slot: its application (or the installation) runs as many environments as it allows
 * and its policy is to queue. {@code position} is its place among its application's queued environments (1: next);
 * {@code commit} is built once a slot frees.
 */
public record EnvironmentQueued(String environmentId, String workflowId, String commit, int position, String reason)
        implements LifecycleEvent {
}
