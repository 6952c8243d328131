package dev.stagecraft.teardown;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.consumer.TransientFailures;
import dev.stagecraft.messaging.stage.StageRuns;
import io.smallrye.common.annotation.Blocking;

/** Takes TeardownRequested and CancelRequested from {@code stagecraft.teardown.commands}. */
@ApplicationScoped
public class TeardownCommandConsumer {

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
