package dev.stagecraft.messaging.outbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.KafkaProducers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Sends outbox rows to Kafka in id order and deletes them once the broker acknowledged them. One relay at a time per
 * database schema holds a transaction-scoped advisory lock, so replicas never reorder one environment's messages.
 * Delivery is at least once: a crash between send and delete resends, and consumers dedupe on {@code ce_id}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 200;

    @Inject
    KafkaProducers producers;

    @Inject
    EntityManager em;

    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::loop, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        wakeUp.release();
        if (thread != null) {
            thread.join(5000);
        }
    }

    void onWritten(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxWritten written) {
        wakeUp.release();
    }

    private void loop() {
        while (running) {
            try {
                wakeUp.tryAcquire(250, TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
                int sent;
                do {
                    sent = QuarkusTransaction.requiringNew().call(this::relayBatch);
                } while (running && sent == BATCH);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("outbox relay: %s; retrying", e.getMessage());
                sleepQuietly();
            }
        }
    }

    private int relayBatch() throws Exception {
        Object locked = em.createNativeQuery("select pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox'))")
                .getSingleResult();
        if (!Boolean.TRUE.equals(locked)) {
            return 0;
        }
        List<OutboxMessage> rows = OutboxMessage.find("order by id").page(0, BATCH).list();
        if (rows.isEmpty()) {
            return 0;
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>(rows.size());
        for (OutboxMessage row : rows) {
            acks.add(producers.events().send(toRecord(row)));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(30, TimeUnit.SECONDS);
        }
        OutboxMessage.delete("id <= ?1", rows.get(rows.size() - 1).id);
        return rows.size();
    }

    private static ProducerRecord<String, String> toRecord(OutboxMessage row) {
        String subject = row.key.isEmpty() ? null : row.key;
        return new ProducerRecord<>(row.topic, null, subject, row.payload, KafkaCloudEvents.headers(row.ceId, row.ceType,
                row.ceSource, subject, row.ceTime, row.workflowId, row.causationId));
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
