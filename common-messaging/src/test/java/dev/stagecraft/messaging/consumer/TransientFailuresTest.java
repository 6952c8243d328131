package dev.stagecraft.messaging.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.persistence.PersistenceException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.cloudevents.UnreadableEventException;
import dev.stagecraft.messaging.MessagingConfigs;

/** Which failures a consumer waits out and which send the record to its dead-letter topic. */
class TransientFailuresTest {

    private static final ConsumerRecord<String, String> RECORD = new ConsumerRecord<>("t", 0, 7, "k", "v");

    @Test
    void unavailableThingsAreTransientWrongRecordsAreNot() {
        assertTrue(TransientFailures.isTransient(new PersistenceException(new SQLException("gone", "08006"))));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new SQLException("shutting down", "57P01"))));
        assertTrue(TransientFailures.isTransient(new IllegalStateException(
                new SQLException("Acquisition timeout while waiting for new connection"))));
        assertTrue(TransientFailures.isTransient(new RuntimeException(new ConnectException("refused"))));
        assertTrue(TransientFailures.isTransient(new NotLeaderOrFollowerException("moving")));
        // the database went away at commit: the transaction manager attaches the driver's error as suppressed
        RuntimeException rollback = new IllegalStateException("ARJUNA016053: Could not commit transaction.");
        rollback.addSuppressed(new SQLException("An I/O error occurred while sending to the backend.", "08006"));
        assertTrue(TransientFailures.isTransient(new RuntimeException("could not commit", rollback)));

        assertFalse(TransientFailures.isTransient(new UnreadableEventException("no ce_type header")));
        assertFalse(TransientFailures.isTransient(new IllegalArgumentException("unknown action")));
        assertFalse(TransientFailures.isTransient(new PersistenceException(new SQLException("duplicate", "23505"))));
    }

    @Test
    void aTransientFailureIsRetriedUntilTheWorkSucceeds() {
        TransientFailures failures = new TransientFailures();
        failures.config = MessagingConfigs.with(Map.of("stagecraft.consumer.max-backoff", "PT0.02S"));
        AtomicInteger calls = new AtomicInteger();
        failures.process(RECORD, () -> {
            if (calls.incrementAndGet() < 4) {
                throw new PersistenceException(new SQLException("connection refused", "08001"));
            }
        });
        assertEquals(4, calls.get());
    }

    @Test
    void anyOtherFailureIsThrownAtOnceForTheDeadLetterTopic() {
        TransientFailures failures = new TransientFailures();
        failures.config = MessagingConfigs.with(Map.of("stagecraft.consumer.max-backoff", "PT0.02S"));
        AtomicInteger calls = new AtomicInteger();
        UnreadableEventException wrong = new UnreadableEventException("payload is not valid");
        assertSame(wrong, assertThrows(UnreadableEventException.class, () -> failures.process(RECORD, () -> {
            calls.incrementAndGet();
            throw wrong;
        })));
        assertEquals(1, calls.get());
    }
}
