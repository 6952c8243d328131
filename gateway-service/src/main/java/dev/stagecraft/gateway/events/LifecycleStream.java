package dev.stagecraft.gateway.events;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.cloudevents.UnreadableEventException;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.TimelineEntry;
import dev.stagecraft.gateway.secrets.SecretMask;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/**
 * Every event on {@code stagecraft.lifecycle}, as it happens, for the Server-Sent Events streams. Each gateway
 * instance reads the whole topic in a consumer group of its own, from the newest record on and without committing
 * offsets, so every instance can serve every stream; a slow client drops events rather than hold up the others.
 * Each event is written to JSON once, with its environment's secret values masked, for every stream.
 */
@ApplicationScoped
public class LifecycleStream {

    private static final Logger LOG = Logger.getLogger(LifecycleStream.class);

    /** An event, the application of its environment (for streams of tokens limited to some) and its JSON. */
    public record Streamed(CloudEvent event, String applicationId, String json) {
    }

    /** The application of recent environments: an environment never changes application. */
    private final Map<String, String> applicationOf = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > 10_000;
                }
            });

    @Inject
    SecretMask mask;

    private final BroadcastProcessor<Streamed> events = BroadcastProcessor.create();
    private final AtomicInteger subscribers = new AtomicInteger();

    @Incoming("lifecycle-stream")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        CloudEvent event;
        try {
            event = KafkaCloudEvents.fromRecord(record);
        } catch (UnreadableEventException e) {
            LOG.debugf("not streamed: %s", e.getMessage());
            return;
        }
        events.onNext(new Streamed(event, applicationOf(event.subject()),
                mask.mask(event.subject(), EventJson.write(view(event)))));
    }

    private String applicationOf(String environmentId) {
        if (environmentId == null) {
            return null;
        }
        String known = applicationOf.get(environmentId);
        if (known != null) {
            return known;
        }
        String found = QuarkusTransaction.requiringNew().call(() -> {
            Environment env = Environment.findById(environmentId);
            return env == null ? null : env.applicationId;
        });
        if (found != null) {
            applicationOf.put(environmentId, found);
        }
        return found;
    }

    /** The events from now on; a subscriber that cannot keep up misses the events it had no room for. */
    public Multi<Streamed> events() {
        return events.onOverflow().drop().onSubscription().invoke(s -> subscribers.incrementAndGet())
                .onTermination().invoke(subscribers::decrementAndGet);
    }

    /** How many subscriptions read the events now (one per open stream). */
    public int subscribers() {
        return subscribers.get();
    }

    /**
     * The JSON of a timeline entry in the shape of a streamed event (its detail is the event's data, masked when it
     * was recorded); the envelope's source and causation are not on the timeline and are null.
     */
    public static String json(TimelineEntry entry) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", entry.ceId);
        view.put("type", entry.type);
        view.put("source", null);
        view.put("subject", entry.environmentId);
        view.put("time", entry.occurredAt == null ? null : entry.occurredAt.toString());
        view.put("workflowId", entry.workflowId);
        view.put("causationId", null);
        try {
            view.put("data", entry.detail == null ? null : EventJson.mapper().readTree(entry.detail));
        } catch (IOException e) {
            view.put("data", entry.detail);
        }
        return EventJson.write(view);
    }

    private static Map<String, Object> view(CloudEvent e) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", e.id());
        view.put("type", e.type());
        view.put("source", e.source());
        view.put("subject", e.subject());
        view.put("time", e.time() == null ? null : e.time().toString());
        view.put("workflowId", e.workflowId());
        view.put("causationId", e.causationId());
        view.put("data", e.data());
        return view;
    }
}
