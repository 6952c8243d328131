package dev.stagecraft.setup;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.consumer.TransientFailures;
import dev.stagecraft.messaging.stage.StageRuns;
import io.smallrye.common.annotation.Blocking;

/** Takes SetupRequested and CancelRequested from {@code stagecraft.setup.commands}. */
@ApplicationScoped
public class SetupCommandConsumer {

    @Inject
    StageRuns runs;

    @Inject
    TransientFailures failures;

    @Incoming("commands")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        failures.process(record, () -> runs.accept(KafkaCloudEvents.fromRecord(record)));
    }
}
