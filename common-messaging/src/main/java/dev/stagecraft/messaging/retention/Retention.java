package dev.stagecraft.messaging.retention;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

import dev.stagecraft.messaging.MessagingConfig;

/**
 * Deletes history past its retention, in small batches (one short transaction each, so the tables stay writable):
 * processed messages, finished stage runs and parked outbox rows of every service, and what each service adds as
 * {@link RetentionRules} beans (the gateway: deliveries, timeline entries, logs, finished workflows, deleted
 * environments). {@code stagecraft.retention.history} (default 30 days) and {@code stagecraft.retention.logs}
 * (7 days) set the ages; {@code stagecraft.retention.every} how often it runs.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    private static final List<RetentionRule> MESSAGING = List.of(
            new RetentionRule("processed_message", "processed_at", null, false),
            new RetentionRule("stage_run", "finished_at", "finished_at is not null", false),
            new RetentionRule("outbox_parked", "parked_at", null, false));

    @Inject
    EntityManager em;

    @Inject
    Instance<RetentionRules> contributed;

    @Inject
    MessagingConfig config;

    @Scheduled(every = "${stagecraft.retention.every:1h}", delayed = "${stagecraft.retention.first-run-after:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            Map<String, Long> deleted = run(OffsetDateTime.now());
            if (deleted.values().stream().anyMatch(n -> n > 0)) {
                LOG.infof("retention deleted %s", deleted);
            }
        } catch (RuntimeException e) {
            LOG.warnf("retention did not run to the end: %s", e.getMessage());
        }
    }

    /** Applies every rule as of {@code now}; returns the rows deleted per table. */
    public Map<String, Long> run(OffsetDateTime now) {
        List<RetentionRule> rules = new ArrayList<>(MESSAGING);
        contributed.forEach(c -> rules.addAll(c.rules()));
        Map<String, Long> deleted = new LinkedHashMap<>();
        for (RetentionRule rule : rules) {
            if (!exists(rule.table())) {
                continue; // e.g. no stage_run table in the gateway
            }
            OffsetDateTime cutoff = now.minus(rule.logs() ? config.retention().logs() : config.retention().history());
            String where = rule.timestamp() + " < :cutoff" + (rule.condition() == null ? "" : " and (" + rule.condition()
                    + ")");
            String sql = "delete from " + rule.table() + " where ctid = any(array(select ctid from " + rule.table()
                    + " where " + where + " limit :batch))";
            long total = 0;
            int batch;
            do {
                batch = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(sql)
                        .setParameter("cutoff", cutoff).setParameter("batch", config.retention().batchSize())
                        .executeUpdate());
                total += batch;
            } while (batch == config.retention().batchSize());
            deleted.merge(rule.table(), total, Long::sum);
        }
        return deleted;
    }

    private boolean exists(String table) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("select to_regclass(:t) is not null")
                .setParameter("t", table).getSingleResult().equals(Boolean.TRUE));
    }
}
