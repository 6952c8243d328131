package dev.stagecraft.events;

/**
 * A service could not publish one of its messages and set it aside (its outbox's parked messages): the broker refused
 * it for good ({@code reason}, e.g. larger than the broker accepts) or kept failing it while others went through.
 * {@code messageId}, {@code messageType} and {@code topic} name the message; {@code workflowId} is its workflow, which
 * the gateway fails with the reason when it is the environment's active one.
 */
public record MessageUndeliverable(String environmentId, String workflowId, String messageId, String messageType,
        String topic, String source, int sizeBytes, String reason) implements LifecycleEvent {
}
