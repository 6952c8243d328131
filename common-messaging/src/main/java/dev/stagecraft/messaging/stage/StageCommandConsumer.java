package dev.stagecraft.messaging.stage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.consumer.TransientFailures;
import dev.stagecraft.messaging.tracing.MessageTracing;
import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.common.annotation.Blocking;

/**
 * Takes a stage's commands and CancelRequested from its command topic (the {@code commands} channel) and hands them to
 * {@link StageRuns}. Present in the services that configure that channel (the stage services), not in the gateway.
 */
@ApplicationScoped
@IfBuildProperty(name = "mp.messaging.incoming.commands.connector", stringValue = "smallrye-kafka")
public class StageCommandConsumer {

    /** The channel every stage service maps to its command topic in its configuration. */
    public static final String CHANNEL = "commands";

    @Inject
    StageRuns runs;

    @Inject
    TransientFailures failures;

    @Inject
    MessageTracing tracing;

    @Incoming(StageCommandConsumer.CHANNEL)
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        tracing.consume(record, () -> failures.process(record, () -> runs.accept(KafkaCloudEvents.fromRecord(record))));
    }
}
