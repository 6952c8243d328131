package dev.stagecraft.messaging.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.messaging.MessagingConfig;
import dev.stagecraft.messaging.tracing.MessageTracing;
import dev.stagecraft.messaging.tracing.TraceContext;

/**
 * Writes messages to the outbox inside the caller's transaction; {@link OutboxRelay} sends them after commit.
 *
 * <p>Before its row is inserted, a message takes a transaction-scoped advisory lock on its record key (the
 * environment). A second transaction writing for the same key waits until the first commits or rolls back, and only
 * then draws its row id: for one key, id order is commit order, so the relay, which sends in id order, never sends a
 * later message of an environment before an earlier one. Transactions for different keys do not wait for each other.
 *
 * <p>A row keeps the trace context of the span that wrote it (the webhook's request, a consumer's handling, a stage
 * run), which the relay sends on with the message.
 */
@ApplicationScoped
public class Outbox {

    /** First half of the two-part advisory lock key; the second half is the hash of schema and record key. */
    static final int KEY_LOCKS = 0x5343_4f42;

    @Inject
    Event<OutboxWritten> written;

    @Inject
    EntityManager em;

    @Inject
    MessagingConfig config;

    /** Publishes {@code message} on its contract topic. */
    @Transactional(value = Transactional.TxType.MANDATORY, dontRollbackOn = MessageTooLargeException.class)
    public CloudEvent publish(StagecraftMessage message, String causationId) {
        return publish(MessageType.of(message).topic(), message, causationId);
    }

    /**
     * Publishes {@code message} on {@code topic} (a cancel goes to the topic of the stage that runs the workflow).
     *
     * @throws MessageTooLargeException when its payload exceeds {@code stagecraft.outbox.max-message-bytes}; nothing
     *         was written, and the caller's transaction may go on (it is not marked for rollback)
     */
    @Transactional(value = Transactional.TxType.MANDATORY, dontRollbackOn = MessageTooLargeException.class)
    public CloudEvent publish(String topic, StagecraftMessage message, String causationId) {
        String payload = EventJson.write(message);
        int bytes = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > config.outbox().maxMessageBytes()) {
            throw new MessageTooLargeException(MessageType.of(message).ceType(), bytes,
                    config.outbox().maxMessageBytes());
        }
        CloudEvent event = CloudEvent.of(source(), message, causationId);
        OutboxMessage row = new OutboxMessage();
        row.topic = topic;
        row.key = event.subject() == null ? "" : event.subject(); // "": about no single environment
        lockKey(row.key);
        row.ceId = event.id();
        row.ceType = event.type();
        row.ceSource = event.source();
        row.ceTime = event.time();
        row.workflowId = event.workflowId();
        row.causationId = event.causationId();
        row.payload = payload;
        TraceContext trace = MessageTracing.current();
        if (trace != null) {
            row.traceparent = trace.traceparent();
            row.tracestate = trace.tracestate();
        }
        row.persist();
        written.fire(new OutboxWritten());
        return event;
    }

    /** Held until the transaction ends; taking it again in the same transaction does not wait. */
    private void lockKey(String key) {
        em.createNativeQuery("select 1 from pg_advisory_xact_lock(?1, hashtext(current_schema() || '/' || ?2))")
                .setParameter(1, KEY_LOCKS).setParameter(2, key).getSingleResult();
    }

    public String source() {
        return "/stagecraft/" + config.serviceName();
    }
}
