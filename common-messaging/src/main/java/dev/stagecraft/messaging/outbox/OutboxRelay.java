package dev.stagecraft.messaging.outbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.MessageUndeliverable;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.messaging.KafkaProducers;
import dev.stagecraft.messaging.MessagingConfig;
import dev.stagecraft.messaging.tracing.MessageTracing;
import dev.stagecraft.messaging.tracing.TraceContext;
import io.agroal.api.AgroalDataSource;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Sends outbox rows to Kafka and deletes exactly the rows the broker acknowledged.
 *
 * <ul>
 * <li>One relay at a time per schema leads: it holds a session advisory lock on a connection of its own, checked at
 * most once a second. Reading a batch and settling it are two short transactions; no transaction stays open while
 * the broker is asked. The lock only saves duplicates: a relay sends a key's next row only once the broker acknowledged its previous one, so even
 * two relays at once (a lock lost with its connection) put the first copy of every row on the topic in id order.</li>
 * <li>Rows of one record key go out one at a time, in id order, which {@link Outbox} makes commit order: the next
 * row of a key is sent only once the broker acknowledged the previous one. Keys are sent side by side.</li>
 * <li>A key whose head row failed waits ({@code not_before}, a pause that grows with its failures) and the relay reads
 * past it: keys that cannot be sent never hold up the others, however many there are.</li>
 * <li>A failure counts against its row only when the broker acknowledged other rows within {@code max-backoff} of
 * it, so a broker outage parks nothing. A row the broker refuses for good (too large, invalid topic), or that failed
 * {@code max-attempts} counted times, is parked ({@link ParkedMessage}) with the reason, and a
 * {@link MessageUndeliverable} is published in its place, so the gateway fails its workflow instead of waiting for
 * its deadline. The rows after it keep flowing.</li>
 * <li>While the broker refuses everything, the relay backs off.</li>
 * <li>Each send is a span ({@code send <topic>}) in the trace of the span that wrote the row; the record carries the
 * send's trace context in its headers ({@code ce_traceparent}), so the consumer's span is its child.</li>
 * </ul>
 * Delivery is at least once: a crash between send and delete resends, and consumers dedupe on {@code ce_id}.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(250);
    /** How often the lock's connection is checked while it leads. */
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    @Inject
    KafkaProducers producers;

    @Inject
    EntityManager em;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Outbox outbox;

    @Inject
    MessagingConfig config;

    @Inject
    OutboxMetrics metrics;

    @Inject
    MessageTracing tracing;

    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;
    /** The relay thread's own: the connection whose session holds the schema's relay lock, while it leads. */
    private Connection lockConnection;
    private boolean leading;
    private long checkedAt = System.nanoTime();
    private boolean everAcknowledged;
    private long lastAcknowledged;

    /** What one batch did. */
    record BatchOutcome(int read, int sent, int parked, boolean brokerRefusedAll) {
        static final BatchOutcome NOTHING = new BatchOutcome(0, 0, 0, false);
    }

    /** A row that was not sent: why, and whether the failure counts against it (other rows went through). */
    private record Failure(OutboxMessage row, Throwable error, boolean counted) {
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
                BatchOutcome outcome = BatchOutcome.NOTHING;
                if (lead()) {
                    do {
                        outcome = relayBatch(backoff);
                    } while (running && outcome.read() == config.outbox().batchSize() && !outcome.brokerRefusedAll());
                }
                metrics.refresh(); // on every instance: the figures are the schema's, whoever relays
                if (outcome.brokerRefusedAll()) {
                    Thread.sleep(backoff.toMillis());
                    Duration longest = config.outbox().maxBackoff();
                    backoff = backoff.multipliedBy(2).compareTo(longest) > 0 ? longest : backoff.multipliedBy(2);
                } else {
                    backoff = MIN_BACKOFF;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.warnf("outbox relay: %s; retrying", e.getMessage());
                sleepQuietly(backoff);
                backoff = config.outbox().maxBackoff();
            }
        }
        resign();
    }

    /** Whether this relay leads its schema's outbox; takes the lead when nobody has it. */
    private boolean lead() {
        try {
            long now = System.nanoTime();
            if (lockConnection != null && now - checkedAt > CHECK_EVERY.toNanos()) {
                // a round trip: at most once a second, not before every batch (a lock lost meanwhile costs only
                // duplicates)
                checkedAt = now;
                if (!lockConnection.isValid(2)) {
                    resign();
                }
            }
            if (lockConnection == null) {
                lockConnection = dataSource.getConnection();
                lockConnection.setAutoCommit(true);
            }
            if (!leading) {
                try (Statement statement = lockConnection.createStatement();
                        ResultSet result = statement.executeQuery(
                                "select pg_try_advisory_lock(hashtext(current_schema() || '.outbox'))")) {
                    leading = result.next() && result.getBoolean(1);
                }
                if (leading) {
                    LOG.debugf("outbox relay of instance %s leads", config.instanceId());
                }
            }
            return leading;
        } catch (SQLException e) {
            resign();
            throw new IllegalStateException("the relay lock could not be taken: " + e.getMessage(), e);
        }
    }

    /** Lets the lead go: the lock is released before its connection goes back to the pool. */
    private void resign() {
        if (lockConnection == null) {
            return;
        }
        try (Statement statement = lockConnection.createStatement()) {
            statement.execute("select pg_advisory_unlock_all()");
        } catch (SQLException gone) {
            // the session ended, and its locks with it
        }
        try {
            lockConnection.close();
        } catch (SQLException ignored) {
            // nothing more to give back
        }
        lockConnection = null;
        leading = false;
    }

    /** Reads one batch, sends it and settles it; {@code backoff}: how long the keys of a wholly refused batch wait. */
    BatchOutcome relayBatch(Duration backoff) throws InterruptedException {
        List<OutboxMessage> rows = QuarkusTransaction.requiringNew().call(this::readBatch);
        if (rows.isEmpty()) {
            return BatchOutcome.NOTHING;
        }
        Map<String, ArrayDeque<OutboxMessage>> byKey = new LinkedHashMap<>();
        for (OutboxMessage row : rows) {
            byKey.computeIfAbsent(row.key, k -> new ArrayDeque<>()).add(row);
        }
        List<Long> sent = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        while (!byKey.isEmpty()) {
            long roundStart = System.nanoTime();
            Map<OutboxMessage, Future<RecordMetadata>> round = new LinkedHashMap<>();
            Map<OutboxMessage, Span> spans = new LinkedHashMap<>();
            for (ArrayDeque<OutboxMessage> queue : byKey.values()) {
                OutboxMessage row = queue.peekFirst();
                Span span = tracing.startSend(row.topic, row.ceId, row.ceType, row.key.isEmpty() ? null : row.key,
                        row.workflowId, trace(row));
                spans.put(row, span);
                round.put(row, send(row, MessageTracing.of(Context.root().with(span))));
            }
            long deadline = roundStart + config.outbox().sendTimeout().toNanos();
            Map<OutboxMessage, Throwable> failed = new LinkedHashMap<>();
            for (Map.Entry<OutboxMessage, Future<RecordMetadata>> e : round.entrySet()) {
                OutboxMessage row = e.getKey();
                Throwable error = await(e.getValue(), deadline);
                Span span = spans.get(row);
                if (error != null) {
                    MessageTracing.failed(span, error);
                }
                span.end();
                if (error == null) {
                    sent.add(row.id);
                    byKey.get(row.key).pollFirst();
                    everAcknowledged = true;
                    lastAcknowledged = System.nanoTime();
                } else if (refusedForGood(error)) {
                    failed.put(row, error);
                    byKey.get(row.key).pollFirst();
                } else {
                    // the key's later rows wait: sending them now could put them ahead of this one
                    failed.put(row, error);
                    byKey.remove(row.key);
                }
            }
            boolean othersWentThrough = everAcknowledged
                    && lastAcknowledged - (roundStart - config.outbox().maxBackoff().toNanos()) >= 0;
            failed.forEach((row, error) -> failures.add(new Failure(row, error, othersWentThrough)));
            byKey.values().removeIf(ArrayDeque::isEmpty);
        }
        int parked = QuarkusTransaction.requiringNew().call(() -> settle(sent, failures, backoff));
        if (!failures.isEmpty() && sent.isEmpty() && parked == 0) {
            LOG.warnf("outbox relay: the broker took none of %d messages (%s); retrying", rows.size(),
                    describe(failures.get(0).error()));
        }
        return new BatchOutcome(rows.size(), sent.size(), parked, sent.isEmpty() && parked == 0 && !failures.isEmpty());
    }

    /** The oldest rows, in id order, of keys that are not waiting after a failure. */
    @SuppressWarnings("unchecked")
    private List<OutboxMessage> readBatch() {
        return em.createNativeQuery("select * from outbox_message where record_key not in"
                + " (select record_key from outbox_message where not_before > now()) order by id limit :n",
                OutboxMessage.class).setParameter("n", config.outbox().batchSize()).getResultList();
    }

    /** Deletes what was sent, parks what cannot be, and lets the keys of the rest wait. Returns how many it parked. */
    private int settle(List<Long> sent, List<Failure> failures, Duration backoff) {
        if (!sent.isEmpty()) {
            OutboxMessage.delete("id in ?1", sent);
        }
        int parked = 0;
        for (Failure failure : failures) {
            OutboxMessage row = failure.row();
            String error = describe(failure.error());
            if (refusedForGood(failure.error())) {
                park(row, "the broker refused it: " + error);
                parked++;
                continue;
            }
            if (failure.counted()) {
                row.attempts++;
            }
            if (row.attempts >= config.outbox().maxAttempts()) {
                park(row, "sending failed " + row.attempts + " times while other messages went through; last: "
                        + error);
                parked++;
                continue;
            }
            Duration wait = failure.counted() ? waitAfter(row.attempts) : backoff;
            em.createNativeQuery("update outbox_message set attempts = :attempts, last_error = :error,"
                    + " not_before = now() + make_interval(secs => :secs) where id = :id")
                    .setParameter("attempts", row.attempts).setParameter("error", error)
                    .setParameter("secs", wait.toMillis() / 1000.0).setParameter("id", row.id).executeUpdate();
        }
        return parked;
    }

    /** The pause after a row's {@code attempts}-th counted failure: doubling from 250 ms up to max-backoff. */
    private Duration waitAfter(int attempts) {
        Duration wait = MIN_BACKOFF.multipliedBy(1L << Math.min(attempts - 1, 16));
        return wait.compareTo(config.outbox().maxBackoff()) > 0 ? config.outbox().maxBackoff() : wait;
    }

    private Future<RecordMetadata> send(OutboxMessage row, TraceContext trace) {
        try {
            return producers.events().send(toRecord(row, trace));
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
        OutboxMessage.delete("id", row.id);
        if (!MessageType.MESSAGE_UNDELIVERABLE.ceType().equals(row.ceType)) {
            // in the trace of the message it stands for, so the workflow's trace shows why it failed
            try (Scope ignored = MessageTracing.context(trace(row)).makeCurrent()) {
                outbox.publish(new MessageUndeliverable(row.key.isEmpty() ? null : row.key, row.workflowId, row.ceId,
                        row.ceType, row.topic, row.ceSource,
                        row.payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, reason), row.ceId);
            }
        }
    }

    private static String describe(Throwable error) {
        String name = error.getClass().getSimpleName();
        return error.getMessage() == null ? name : name + ": " + error.getMessage();
    }

    /** The record of {@code row}, sent in {@code trace} (the send's span). */
    static ProducerRecord<String, String> toRecord(OutboxMessage row, TraceContext trace) {
        String subject = row.key.isEmpty() ? null : row.key;
        Headers headers = KafkaCloudEvents.headers(row.ceId, row.ceType, row.ceSource, subject, row.ceTime,
                row.workflowId, row.causationId);
        if (trace != null) {
            KafkaCloudEvents.addTraceContext(headers, trace.traceparent(), trace.tracestate());
        }
        return new ProducerRecord<>(row.topic, null, subject, row.payload, headers);
    }

    /** The trace context the row was written in, or null. */
    private static TraceContext trace(OutboxRecord row) {
        return row.traceparent == null ? null : new TraceContext(row.traceparent, row.tracestate);
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
