package dev.stagecraft.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.LogLine;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.outbox.Outbox;

/**
 * Streams build and task output to {@link Topics#LOGS}. Best effort and not transactional: a log line is worth
 * less than the database write an outbox row would cost per line.
 */
@ApplicationScoped
public class LogStream {

    @Inject
    KafkaProducers producers;

    @Inject
    Outbox outbox;

    public void line(String environmentId, String workflowId, String source, String line) {
        CloudEvent event = CloudEvent.of(outbox.source(), new LogLine(environmentId, workflowId, source, line), null);
        producers.events().send(KafkaCloudEvents.toRecord(Topics.LOGS, event));
    }
}
