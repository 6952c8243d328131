package dev.stagecraft.messaging.outbox;

import java.time.OffsetDateTime;
import java.util.List;

/** What the outbox holds: how many rows wait, since when, and the messages set aside. */
public record OutboxStatus(long pending, OffsetDateTime oldestPending, long parkedCount, List<Parked> parked) {

    private static final int LISTED = 100;

    /** A parked message without its payload: what it was, where it was going, and why it was set aside. */
    public record Parked(long id, String messageId, String messageType, String topic, String key, String workflowId,
            int sizeBytes, int attempts, String reason, OffsetDateTime parkedAt) {
    }

    /** The counts alone (what the metrics show), in the caller's transaction. */
    static OutboxStatus counts() {
        OutboxMessage oldest = OutboxMessage.<OutboxMessage>find("order by id").firstResult();
        return new OutboxStatus(OutboxMessage.count(), oldest == null ? null : oldest.ceTime, ParkedMessage.count(),
                List.of());
    }

    /** Reads the status in the caller's transaction; lists the newest 100 parked messages. */
    static OutboxStatus read() {
        OutboxStatus counts = counts();
        List<Parked> parked = ParkedMessage.<ParkedMessage>find("order by parkedAt desc").page(0, LISTED).list().stream()
                .map(p -> new Parked(p.id, p.ceId, p.ceType, p.topic, p.key, p.workflowId,
                        p.payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, p.attempts, p.reason,
                        p.parkedAt))
                .toList();
        return new OutboxStatus(counts.pending(), counts.oldestPending(), counts.parkedCount(), parked);
    }
}
