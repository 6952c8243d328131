package dev.stagecraft.messaging.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.Topics;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.messaging.KafkaProducers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;

/** The outbox and its relay against a real PostgreSQL and a real Kafka broker. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class OutboxRelayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Outbox outbox;

    @Inject
    EntityManager em;

    @Inject
    KafkaProducers producers;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/")
    URL http;

    /**
     * Many threads commit transactions for a few environments at once, each waiting a random while between writing its
     * messages and committing. Each transaction learns its place in its environment's commit order from a counter
     * row it updates last (the row lock is held to commit), and stamps it on its messages. Every message must arrive
     * exactly once, and per environment in that order.
     */
    @Test
    void concurrentWritersMessagesArriveOnceEachInCommitOrderPerEnvironment() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        int keys = 24;
        int threads = 12;
        int transactionsPerThread = 200;
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "create table if not exists commit_order (record_key varchar(255) primary key, n integer not null)")
                .executeUpdate());
        QuarkusTransaction.requiringNew().run(() -> {
            for (int k = 0; k < keys; k++) {
                em.createNativeQuery("insert into commit_order values (?1, 0)").setParameter(1, key(run, k)).executeUpdate();
            }
        });
        AtomicInteger written = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            writers.add(pool.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < transactionsPerThread; i++) {
                    String key = key(run, random.nextInt(keys));
                    int messages = 1 + random.nextInt(2);
                    QuarkusTransaction.requiringNew().run(() -> {
                        List<String> ids = new ArrayList<>();
                        for (int m = 0; m < messages; m++) {
                            ids.add(outbox.publish(message(key, run, "#N#", m), null).id());
                        }
                        pause(random.nextInt(4));
                        Number n = (Number) em.createNativeQuery(
                                "update commit_order set n = n + 1 where record_key = ?1 returning n")
                                .setParameter(1, key).getSingleResult();
                        em.createNativeQuery("update outbox_message set payload = replace(payload, '#N#', ?1)"
                                + " where ce_id in (?2)").setParameter(1, n.toString()).setParameter(2, ids).executeUpdate();
                        pause(random.nextInt(3));
                    });
                    written.addAndGet(messages);
                }
                return null;
            }));
        }
        for (Future<?> w : writers) {
            w.get();
        }
        pool.shutdown();

        Map<String, List<int[]>> arrived = new HashMap<>();
        Set<String> seen = new HashSet<>();
        int[] duplicates = {0};
        consume(run, IntStream.range(0, keys).mapToObj(k -> key(run, k)).toList(), record -> {
            if (!seen.add(header(record, "ce_id"))) {
                duplicates[0]++;
                return;
            }
            JsonNode payload = readTree(record.value());
            if (run.equals(payload.path("actor").asText())) {
                arrived.computeIfAbsent(record.key(), k -> new ArrayList<>())
                        .add(new int[] {Integer.parseInt(payload.get("message").asText()), payload.get("status").asInt()});
            }
        }, () -> arrived.values().stream().mapToInt(List::size).sum() >= written.get());

        assertEquals(written.get(), arrived.values().stream().mapToInt(List::size).sum(), "every message arrived");
        assertEquals(0, duplicates[0], "no message arrived twice");
        for (Map.Entry<String, List<int[]>> e : arrived.entrySet()) {
            int[] previous = {0, -1};
            for (int[] m : e.getValue()) {
                boolean next = m[0] > previous[0] && m[1] == 0 || m[0] == previous[0] && m[1] == previous[1] + 1;
                assertTrue(next, e.getKey() + ": (" + m[0] + "," + m[1] + ") arrived after (" + previous[0] + ","
                        + previous[1] + ")");
                previous = m;
            }
        }
        // the relay deletes a batch once all of it was acknowledged: a moment after the last message arrived
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Number left = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                    "select count(*) from outbox_message").getSingleResult());
            assertEquals(0L, left.longValue(), "the outbox is empty");
        });
    }

    /**
     * A message the broker refuses (larger than its maximum request) is parked with the reason; the messages after
     * it, of the same environment and of another, still go out, a MessageUndeliverable names it, the admin API lists
     * it and the metric counts it.
     */
    @Test
    void aMessageTheBrokerRefusesIsParkedAndTheRestKeepsFlowing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String poisoned = key(run, 1);
        String other = key(run, 2);
        String big = QuarkusTransaction.requiringNew().call(() -> outbox.publish(new EnvironmentActionRejected(poisoned,
                "wf-" + run, null, "deploy", run, 0, "big", "x".repeat(2_000_000)), null).id());
        QuarkusTransaction.requiringNew().run(() -> {
            outbox.publish(message(poisoned, run, "after", 0), null);
            outbox.publish(message(other, run, "other", 0), null);
        });

        Map<String, List<String>> arrived = new HashMap<>();
        JsonNode[] undeliverable = {null};
        consume(run, List.of(poisoned, other), record -> {
            JsonNode payload = readTree(record.value());
            if (run.equals(payload.path("actor").asText())) {
                arrived.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(payload.get("message").asText());
            }
            if (MessageType.MESSAGE_UNDELIVERABLE.ceType().equals(header(record, "ce_type"))
                    && big.equals(payload.path("messageId").asText())) {
                undeliverable[0] = payload;
            }
        }, () -> arrived.size() == 2 && undeliverable[0] != null);

        assertEquals(List.of("after"), arrived.get(poisoned));
        assertEquals(List.of("other"), arrived.get(other));
        assertEquals(poisoned, undeliverable[0].get("environmentId").asText());
        assertEquals("wf-" + run, undeliverable[0].get("workflowId").asText());
        assertTrue(undeliverable[0].get("reason").asText().contains("RecordTooLargeException"),
                undeliverable[0].toString());

        HttpClient client = HttpClient.newHttpClient();
        JsonNode status = readTree(client.send(HttpRequest.newBuilder(http.toURI().resolve("api/admin/outbox")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        JsonNode parked = null;
        for (JsonNode p : status.get("parked")) {
            if (big.equals(p.get("messageId").asText())) {
                parked = p;
            }
        }
        assertTrue(parked != null && parked.get("reason").asText().contains("refused"), status.toString());
        assertTrue(parked.get("sizeBytes").asInt() > 2_000_000, parked.toString());
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            String metrics = client.send(HttpRequest.newBuilder(http.toURI().resolve("q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("stagecraft_outbox_parked_messages")
                    && !l.endsWith(" 0.0")), "stagecraft_outbox_parked_messages counts it");
            assertTrue(metrics.contains("stagecraft_outbox_pending_messages"), "depth is exported");
            assertTrue(metrics.contains("stagecraft_outbox_oldest_pending_age_seconds"), "age is exported");
        });
    }

    /**
     * More keys than a batch holds cannot be sent (their topic's partitions have no leader: a failure worth retrying),
     * and they come before a message of another key. That message still goes out, and the failing ones are parked
     * after max-attempts failures counted while other messages went through.
     */
    @Test
    void keysThatCannotBeSentDoNotHoldUpTheOthers() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String unavailable = "stagecraft.test.unavailable-" + run;
        interceptSends((real, record) -> unavailable.equals(record.topic())
                ? CompletableFuture.failedFuture(new NotLeaderOrFollowerException("no leader for " + unavailable))
                : null);
        int stuck = 250;
        QuarkusTransaction.requiringNew().run(() -> {
            for (int k = 0; k < stuck; k++) {
                outbox.publish(unavailable, message(key(run, 1000 + k), run, "stuck", 0), null);
            }
        });
        String free = key(run, 1);
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(free, run, "free", 0), null));

        List<String> arrived = new ArrayList<>();
        consume(run, List.of(free), record -> {
            if (run.equals(readTree(record.value()).path("actor").asText())) {
                arrived.add(record.key());
            }
        }, () -> arrived.contains(free));

        // failures count only while other messages go through: keep some flowing
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> {
            QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(key(run, 2), run, "filler", 0), null));
            Number parked = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                    "select count(*) from outbox_parked where topic = ?1").setParameter(1, unavailable)
                    .getSingleResult());
            return parked.intValue() == stuck;
        });
        String reason = QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery(
                "select reason from outbox_parked where topic = ?1 limit 1").setParameter(1, unavailable)
                .getSingleResult());
        assertTrue(reason.contains("failed 3 times") && reason.contains("NotLeaderOrFollowerException"), reason);
    }

    /** While the broker takes its time to acknowledge, the relay holds no database transaction open. */
    @Test
    void noTransactionStaysOpenWhileTheBrokerIsAsked() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String slow = key(run, 1);
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        interceptSends((real, record) -> {
            if (!slow.equals(record.key())) {
                return null;
            }
            asked.countDown();
            return CompletableFuture.supplyAsync(() -> {
                try {
                    answer.await();
                    return real.send(record).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        });
        try {
            QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(slow, run, "slow", 0), null));
            assertTrue(asked.await(30, java.util.concurrent.TimeUnit.SECONDS), "the relay sent the message");
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < until) {
                Number open = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                        "select count(*) from pg_stat_activity where datname = current_database()"
                                + " and state like 'idle in transaction%' and xact_start < now() - interval '1 second'")
                        .getSingleResult());
                assertEquals(0L, open.longValue(), "transactions open for over a second while a send waits");
                Thread.sleep(100);
            }
        } finally {
            answer.countDown();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(0L, QuarkusTransaction.requiringNew()
                .call(() -> (Number) em.createNativeQuery("select count(*) from outbox_message where record_key = ?1")
                        .setParameter(1, slow).getSingleResult()).longValue(), "sent once the broker answered"));
    }

    /**
     * For the running test, the relay's producer answers a send itself when {@code answer} returns a future for it,
     * and hands it to the real producer when it returns null.
     */
    @SuppressWarnings("unchecked")
    private void interceptSends(BiFunction<Producer<String, String>, ProducerRecord<String, String>,
            CompletableFuture<?>> answer) {
        Producer<String, String> real = producers.events();
        Producer<String, String> intercepting = (Producer<String, String>) Proxy.newProxyInstance(
                Producer.class.getClassLoader(), new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("send")) {
                        CompletableFuture<?> answered = answer.apply(real, (ProducerRecord<String, String>) args[0]);
                        if (answered != null) {
                            return answered;
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        QuarkusMock.installMockForType(new KafkaProducers() {
            @Override
            public Producer<String, String> events() {
                return intercepting;
            }
        }, KafkaProducers.class);
    }

    @Test
    void aMessageOverTheConfiguredLimitIsRefusedWhereItIsMadeAndNothingIsWritten() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        MessageTooLargeException refused = org.junit.jupiter.api.Assertions.assertThrows(MessageTooLargeException.class,
                () -> QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(key(run, 1), run,
                        "z".repeat(4_500_000), 0), null)));
        assertTrue(refused.getMessage().contains("dev.stagecraft.environment.action-rejected.v1 would be")
                && refused.getMessage().contains("at most 4000000"), refused.getMessage());
        Number rows = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                "select count(*) from outbox_message where record_key = ?1").setParameter(1, key(run, 1))
                .getSingleResult());
        assertEquals(0L, rows.longValue());
    }

    private static EnvironmentActionRejected message(String key, String run, String text, int index) {
        return new EnvironmentActionRejected(key, null, null, "deploy", run, index, "test", text);
    }

    private static String key(String run, int k) {
        return "env-" + run + "-" + k;
    }

    /**
     * Reads the lifecycle topic from the start until {@code done} holds and an end marker, written now for each of
     * {@code keys}, arrived (at most two minutes). The relay sends a key's messages in order, so a message sent twice
     * arrives before its key's marker.
     */
    private void consume(String run, List<String> keys, java.util.function.Consumer<ConsumerRecord<String, String>> each,
            java.util.function.BooleanSupplier done) {
        String end = run + "-end";
        QuarkusTransaction.requiringNew().run(() -> keys.forEach(k -> outbox.publish(message(k, end, "end", 0), null)));
        Set<String> ended = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(dev.stagecraft.infra.LocalInfra.shared().kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "outbox-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024)),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.LIFECYCLE));
            await().atMost(Duration.ofMinutes(2)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (end.equals(readTree(record.value()).path("actor").asText())) {
                        ended.add(record.key());
                    } else {
                        each.accept(record);
                    }
                }
                return done.getAsBoolean() && ended.containsAll(keys);
            });
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value());
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
    }

    private static void pause(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
