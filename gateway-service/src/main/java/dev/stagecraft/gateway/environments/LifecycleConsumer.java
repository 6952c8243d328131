package dev.stagecraft.gateway.environments;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.EnvironmentCreated;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentEvicted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentQueued;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.DatasetPoolsReported;
import dev.stagecraft.events.RuntimeInventoried;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.messaging.consumer.TransientFailures;
import dev.stagecraft.messaging.inbox.ProcessedMessage;
import dev.stagecraft.messaging.tracing.MessageTracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;

/** Feeds stage events from {@code stagecraft.lifecycle} to the process manager, each exactly once. */
@ApplicationScoped
public class LifecycleConsumer {

    static final String CONSUMER = "gateway-lifecycle";
    private static final Logger LOG = Logger.getLogger(LifecycleConsumer.class);

    @Inject
    MeterRegistry registry;

    @Inject
    GatewayConfig config;

    @Inject
    Timeline timeline;

    @Inject
    dev.stagecraft.gateway.datasets.DatasetPools datasetPools;

    @Inject
    ConflictRetry conflicts;

    @Inject
    EnvironmentProcess process;

    @Inject
    ProcessedMessage processed;

    @Inject
    TransientFailures failures;

    @Inject
    MessageTracing tracing;

    @Incoming("lifecycle")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        // in the trace of the stage's event: the commands and announcements it leads to carry it on
        tracing.consume(record, () -> failures.process(record, () -> handle(record)));
    }

    private void handle(ConsumerRecord<String, String> record) {
        CloudEvent event = KafkaCloudEvents.fromRecord(record);
        if (event.data() instanceof EnvironmentCreated || event.data() instanceof EnvironmentReady
                || event.data() instanceof EnvironmentFailed || event.data() instanceof EnvironmentDeleted
                || event.data() instanceof EnvironmentActionRejected || event.data() instanceof EnvironmentQueued
                || event.data() instanceof EnvironmentEvicted) {
            return; // the gateway's own announcements, already on the timeline
        }
        if (event.data() instanceof RuntimeInventoried inventory) {
            reconcile(event, inventory);
            return;
        }
        if (event.data() instanceof DatasetPoolsReported pools) {
            conflicts.inTransaction(() -> {
                datasetPools.record(pools);
                return null;
            });
            return;
        }
        conflicts.inTransaction(() -> {
            apply(event);
            return null;
        });
    }

    /** Every enabled runtime's series from the start, at 0: an alert on increase() sees the first leak too. */
    @PostConstruct
    void registerLeaks() {
        config.runtime().enabled().forEach(this::leaks);
    }

    /** {@code stagecraft_inventory_leaks_total{runtime}}. */
    private Counter leaks(String runtime) {
        return Counter.builder("stagecraft.inventory.leaks")
                .description("Deleted environments the runtime's inventory still found resources of")
                .tag("runtime", runtime).register(registry);
    }

    /** Tears down again every environment deleted before the inventory that still had resources in it. */
    private void reconcile(CloudEvent event, RuntimeInventoried inventory) {
        for (String id : inventory.environmentIds()) {
            boolean again = conflicts.inTransaction(() -> {
                Environment env = Environment.findById(id);
                if (env == null) {
                    LOG.warnf("the %s runtime has resources of environment %s, which this installation does not know;"
                            + " left alone", inventory.runtime(), id);
                    return false;
                }
                return process.tearDownLeftovers(env, inventory.observedAt(), event.id());
            });
            if (again) {
                LOG.infof("environment %s was deleted but still had resources: tearing it down again", id);
                leaks(inventory.runtime()).increment();
            }
        }
    }

    private void apply(CloudEvent event) {
        Environment env = Environment.findById(event.subject());
        if (env == null) {
            LOG.warnf("event %s %s for unknown environment %s ignored", event.type(), event.id(), event.subject());
            return;
        }
        if (!processed.firstDelivery(CONSUMER, event.id())) {
            return;
        }
        boolean applied = process.apply(env, event);
        if (!(event.data() instanceof WorkflowProgressed)) {
            // a heartbeat only pushes the deadline back (in apply); a minute-by-minute trail would bury the timeline
            timeline.record(env.id, event.workflowId(), event.id(), event.type(), applied, EventJson.write(event.data()));
        }
    }
}
