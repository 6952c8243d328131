package dev.stagecraft.messaging.outbox;

/** Fired when an outbox row is written; observed after commit to wake the relay at once instead of at its next poll. */
public record OutboxWritten() {
}
