package dev.stagecraft.messaging.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.jboss.logging.Logger;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.KafkaProducers;
import dev.stagecraft.messaging.MessagingConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Sends outbox rows to Kafka and deletes exactly the rows the broker acknowledged.
 *
 * <ul>
 * <li>One relay at a time per schema holds a transaction-scoped advisory lock, so replicas never interleave.</li>
 * <li>Rows of one record key go out one at a time, in id order, which {@link Outbox} makes commit order: the next
 * row of a key is sent only once the broker acknowledged the previous one. Keys are sent side by side.</li>
 * <li>A row the broker refuses for good (too large, invalid topic), or that fails {@code max-attempts} times while
 * other rows go through, is parked ({@link ParkedMessage}) with the reason, and a {@link MessageUndeliverable} is
 * published in its place, so the gateway fails its workflow instead of waiting for its deadline. The rows after it
 * keep flowing.</li>
 * <li>While the broker refuses everything, nothing is counted against the rows and the relay backs off.</li>
 * </ul>
 * Delivery is at least once: a crash between send and delete resends, and consumers dedupe on {@code ce_id}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(250);

    @Inject
    KafkaProducers producers;

    @Inject
    EntityManager em;

    @Inject
    Outbox outbox;

    @Inject
    MessagingConfig config;

    @Inject
    OutboxMetrics metrics;

    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    /** What one batch did. */
    record BatchOutcome(int read, int sent, int parked, boolean brokerRefusedAll) {
        static final BatchOutcome NOTHING = new BatchOutcome(0, 0, 0, false);
    }

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
        Duration backoff = MIN_BACKOFF;
        while (running) {
            try {
                wakeUp.tryAcquire(config.outbox().pollEvery().toMillis(), TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
                BatchOutcome outcome;
                do {
                    outcome = QuarkusTransaction.requiringNew().call(this::relayBatch);
                } while (running && outcome.read() == config.outbox().batchSize() && !outcome.brokerRefusedAll());
                metrics.refresh();
                if (outcome.brokerRefusedAll()) {
                    Thread.sleep(backoff.toMillis());
                    Duration longest = config.outbox().maxBackoff();
                    backoff = backoff.multipliedBy(2).compareTo(longest) > 0 ? longest : backoff.multipliedBy(2);
                } else {
                    backoff = MIN_BACKOFF;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("outbox relay: %s; retrying", e.getMessage());
                sleepQuietly(backoff);
                backoff = config.outbox().maxBackoff();
            }
        }
    }

    BatchOutcome relayBatch() throws InterruptedException {
        Object locked = em.createNativeQuery("select pg_try_advisory_xact_lock(hashtext(current_schema() || '.outbox'))")
                .getSingleResult();
        if (!Boolean.TRUE.equals(locked)) {
            return BatchOutcome.NOTHING;
        }
        List<OutboxMessage> rows = OutboxMessage.find("order by id").page(0, config.outbox().batchSize()).list();
        if (rows.isEmpty()) {
            return BatchOutcome.NOTHING;
        }
        Map<String, ArrayDeque<OutboxMessage>> byKey = new LinkedHashMap<>();
        for (OutboxMessage row : rows) {
            byKey.computeIfAbsent(row.key, k -> new ArrayDeque<>()).add(row);
        }
        List<Long> sent = new ArrayList<>();
        Map<OutboxMessage, Throwable> failed = new LinkedHashMap<>();
        while (!byKey.isEmpty()) {
            Map<OutboxMessage, Future<RecordMetadata>> round = new LinkedHashMap<>();
            for (ArrayDeque<OutboxMessage> queue : byKey.values()) {
                OutboxMessage row = queue.peekFirst();
                round.put(row, send(row));
            }
            long deadline = System.nanoTime() + config.outbox().sendTimeout().toNanos();
            for (Map.Entry<OutboxMessage, Future<RecordMetadata>> e : round.entrySet()) {
                OutboxMessage row = e.getKey();
                Throwable error = await(e.getValue(), deadline);
                if (error == null) {
                    sent.add(row.id);
                    byKey.get(row.key).pollFirst();
                } else if (refusedForGood(error)) {
                    failed.put(row, error);
                    byKey.get(row.key).pollFirst();
                } else {
                    // the key's later rows wait: sending them now could put them ahead of this one
                    failed.put(row, error);
                    byKey.remove(row.key);
                }
            }
            byKey.values().removeIf(ArrayDeque::isEmpty);
        }
        if (!sent.isEmpty()) {
            OutboxMessage.delete("id in ?1", sent);
        }
        boolean othersWentThrough = !sent.isEmpty();
        int parked = 0;
        for (Map.Entry<OutboxMessage, Throwable> e : failed.entrySet()) {
            OutboxMessage row = e.getKey();
            String error = describe(e.getValue());
            if (refusedForGood(e.getValue())) {
                park(row, "the broker refused it: " + error);
                parked++;
            } else if (othersWentThrough) {
                row.attempts++;
                row.lastError = error;
                if (row.attempts >= config.outbox().maxAttempts()) {
                    park(row, "sending failed " + row.attempts + " times while other messages went through; last: "
                            + error);
                    parked++;
                }
            }
        }
        if (!failed.isEmpty() && sent.isEmpty() && parked == 0) {
            LOG.warnf("outbox relay: the broker took none of %d messages (%s); retrying", rows.size(),
                    describe(failed.values().iterator().next()));
        }
        return new BatchOutcome(rows.size(), sent.size(), parked, sent.isEmpty() && parked == 0 && !failed.isEmpty());
    }

    private Future<RecordMetadata> send(OutboxMessage row) {
        try {
            return producers.events().send(toRecord(row));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The failure of {@code ack}, or null once the broker acknowledged it. */
    private static Throwable await(Future<RecordMetadata> ack, long deadline) throws InterruptedException {
        try {
            ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (TimeoutException e) {
            return e;
        }
    }

    /** Errors no retry can fix: the record itself is what the broker or the producer refuses. */
    static boolean refusedForGood(Throwable error) {
        return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidTopicException || error instanceof SerializationException
                || error instanceof InvalidRecordException;
    }

    private void park(OutboxMessage row, String reason) {
        LOG.errorf("outbox relay: parked %s %s (topic %s, key '%s', %d bytes): %s", row.ceType, row.ceId, row.topic,
                row.key, row.payload.length(), reason);
        ParkedMessage.of(row, reason, OffsetDateTime.now()).persist();
        row.delete();
        if (!MessageType.MESSAGE_UNDELIVERABLE.ceType().equals(row.ceType)) {
            outbox.publish(new MessageUndeliverable(row.key.isEmpty() ? null : row.key, row.workflowId, row.ceId,
                    row.ceType, row.topic, row.ceSource, row.payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                    reason), row.ceId);
        }
    }

    private static String describe(Throwable error) {
        String name = error.getClass().getSimpleName();
        return error.getMessage() == null ? name : name + ": " + error.getMessage();
    }

    private static ProducerRecord<String, String> toRecord(OutboxMessage row) {
        String subject = row.key.isEmpty() ? null : row.key;
        return new ProducerRecord<>(row.topic, null, subject, row.payload, KafkaCloudEvents.headers(row.ceId, row.ceType,
                row.ceSource, subject, row.ceTime, row.workflowId, row.causationId));
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
