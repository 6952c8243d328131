package dev.stagecraft.gateway.events;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.cloudevents.UnreadableEventException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/**
 * Every event on {@code stagecraft.lifecycle}, as it happens, for the Server-Sent Events streams. Each gateway
 * instance reads the whole topic in a consumer group of its own, from the newest record on and without committing
 * offsets, so every instance can serve every stream; a slow client drops events rather than hold up the others.
 */
@ApplicationScoped
public class LifecycleStream {

    private static final Logger LOG = Logger.getLogger(LifecycleStream.class);

    private final BroadcastProcessor<CloudEvent> events = BroadcastProcessor.create();

    @Incoming("lifecycle-stream")
    public void onRecord(ConsumerRecord<String, String> record) {
        try {
            events.onNext(KafkaCloudEvents.fromRecord(record));
        } catch (UnreadableEventException e) {
            LOG.debugf("not streamed: %s", e.getMessage());
        }
    }

    /** The events from now on; a subscriber that cannot keep up misses the events it had no room for. */
    public Multi<CloudEvent> events() {
        return events.onOverflow().drop();
    }
}
