package dev.stagecraft.messaging.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;

/** Writes messages to the outbox inside the caller's transaction; {@link OutboxRelay} sends them after commit. */
@ApplicationScoped
public class Outbox {

    @Inject
    Event<OutboxWritten> written;

    @ConfigProperty(name = "stagecraft.service-name")
    String serviceName;

    /** Publishes {@code message} on its contract topic. */
    @Transactional(Transactional.TxType.MANDATORY)
    public CloudEvent publish(StagecraftMessage message, String causationId) {
        return publish(MessageType.of(message).topic(), message, causationId);
    }

    /** Publishes {@code message} on {@code topic} (a cancel goes to the topic of the stage that runs the workflow). */
    @Transactional(Transactional.TxType.MANDATORY)
    public CloudEvent publish(String topic, StagecraftMessage message, String causationId) {
        CloudEvent event = CloudEvent.of(source(), message, causationId);
        OutboxMessage row = new OutboxMessage();
        row.topic = topic;
        row.key = event.subject() == null ? "" : event.subject(); // "": about no single environment
        row.ceId = event.id();
        row.ceType = event.type();
        row.ceSource = event.source();
        row.ceTime = event.time();
        row.workflowId = event.workflowId();
        row.causationId = event.causationId();
        row.payload = EventJson.write(message);
        row.persist();
        written.fire(new OutboxWritten());
        return event;
    }

    public String source() {
        return "/stagecraft/" + serviceName;
    }
}
