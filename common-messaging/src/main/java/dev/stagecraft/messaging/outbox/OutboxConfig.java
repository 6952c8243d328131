package dev.stagecraft.messaging.outbox;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/** How the outbox relay sends: {@code stagecraft.outbox.*}, a part of {@code MessagingConfig}. */
public interface OutboxConfig {

    /** Rows read and sent per transaction. */
    @WithDefault("200")
    int batchSize();

    /**
     * Failed sends of one row, counted only while the broker acknowledges other rows (within {@link #maxBackoff()}),
     * before the row is parked.
     */
    @WithDefault("10")
    int maxAttempts();

    /** How long the relay waits for the broker to acknowledge one round of sends. */
    @WithDefault("30s")
    Duration sendTimeout();

    /** The largest message payload written; a larger one is refused where it is made. */
    @WithDefault("1000000")
    int maxMessageBytes();

    /**
     * How often the relay looks for rows when no commit of this instance woke it: rows another instance left, or
     * that a wake-up missed. A commit here wakes it at once.
     */
    @WithDefault("1s")
    Duration pollEvery();

    /**
     * The longest pause between attempts while the broker refuses everything, and before a key whose row failed is
     * read again.
     */
    @WithDefault("5s")
    Duration maxBackoff();
}
