package dev.stagecraft.gateway.logs;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.stagecraft.events.LogLine;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.secrets.SecretMask;
import dev.stagecraft.messaging.consumer.TransientFailures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;

/**
 * Stores the lines of {@code stagecraft.logs} so a workflow's view can show its output. A redelivered line is stored
 * once (its CloudEvent id is unique); a line is cut at {@code max-line} characters and a workflow keeps at most
 * {@code max-lines-per-workflow} lines, the rest counted but not stored.
 */
@ApplicationScoped
public class LogConsumer {

    @Inject
    TransientFailures failures;

    @Inject
    EntityManager em;

    @Inject
    SecretMask mask;

    @Inject
    GatewayConfig config;

    /** Lines stored per recent workflow, counted once from the table when a workflow is first seen, not per line. */
    private final Map<String, Long> stored = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f,
            true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 1000;
        }
    });

    @Incoming("logs")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        CloudEvent event = KafkaCloudEvents.fromRecord(record);
        if (!(event.data() instanceof LogLine line) || line.workflowId() == null) {
            return;
        }
        failures.process(record, () -> QuarkusTransaction.requiringNew().run(() -> store(event, line)));
    }

    private void store(CloudEvent event, LogLine line) {
        long count = stored.computeIfAbsent(line.workflowId(), LogLineEntry::countOf);
        if (count >= config.logs().maxLinesPerWorkflow()) {
            return;
        }
        // masked before it is cut, so a cut never leaves part of a secret
        String text = line.line() == null ? "" : mask.mask(line.environmentId(), line.line());
        if (text.length() > config.logs().maxLine()) {
            text = text.substring(0, config.logs().maxLine()) + " [cut at " + config.logs().maxLine() + " characters]";
        }
        em.createNativeQuery("insert into log_line (ce_id, environment_id, workflow_id, source, line, received_at)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6) on conflict (ce_id) do nothing")
                .setParameter(1, event.id()).setParameter(2, line.environmentId()).setParameter(3, line.workflowId())
                .setParameter(4, line.source()).setParameter(5, text).setParameter(6, OffsetDateTime.now())
                .executeUpdate();
        stored.put(line.workflowId(), count + 1);
    }
}
