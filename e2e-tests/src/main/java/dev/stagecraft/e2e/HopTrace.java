package dev.stagecraft.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;

/**
 * Watches every record of the contract's topics (logs aside) as it arrives, so a benchmark can tell where a
 * workflow's time goes between services. Each record carries three instants:
 * <ul>
 * <li><b>created</b>: its {@code ce_time}, taken when the service wrote the outbox row, inside its transaction;</li>
 * <li><b>sent</b>: the Kafka record's create time, taken by the outbox relay's producer when it sent the row;</li>
 * <li><b>seen</b>: when this watcher's consumer received it, which stands for when any consumer could.</li>
 * </ul>
 * With the {@code ce_causationid} link from a record to the one it answers, a hop splits into: the rest of the
 * writer's transaction, its commit and the relay (created → sent), the broker and a fetch (sent → seen), and the
 * next service's poll and handler up to its own write (cause seen → created).
 */
public final class HopTrace implements AutoCloseable {

    /** One record as this watcher saw it. */
    public record Hop(String id, String type, String subject, String causationId, Instant created, Instant sent,
            Instant seen) {

        String shortType() {
            return type.replaceFirst("^dev\\.stagecraft\\.", "").replaceFirst("\\.v\\d+$", "");
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final Map<String, Hop> byId = new ConcurrentHashMap<>();
    private final Map<String, List<Double>> figures = new java.util.LinkedHashMap<>();
    private volatile boolean running = true;

    /** Starts watching from the current end of every topic; {@code kafka}: a client configuration that may read all. */
    public static HopTrace start(Map<String, Object> kafka) {
        return new HopTrace(kafka);
    }

    private HopTrace(Map<String, Object> kafka) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : Topics.ALL) {
            if (!topic.equals(Topics.LOGS)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolves the end now, before the first record is sent
        thread = new Thread(this::loop, "hop-trace");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(20))) {
                Instant seen = Instant.now();
                String id = header(record, KafkaCloudEvents.H_ID);
                String time = header(record, KafkaCloudEvents.H_TIME);
                if (id == null || time == null) {
                    continue;
                }
                byId.put(id, new Hop(id, header(record, KafkaCloudEvents.H_TYPE), record.key(),
                        header(record, KafkaCloudEvents.H_CAUSATION_ID), OffsetDateTime.parse(time).toInstant(),
                        Instant.ofEpochMilli(record.timestamp()), seen));
            }
        }
        consumer.close();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Every record about {@code environment} seen so far, in the order they were written. */
    public List<Hop> of(String environment) {
        return byId.values().stream().filter(h -> Objects.equals(environment, h.subject()))
                .sorted(Comparator.comparing(Hop::created)).toList();
    }

    /**
     * Prints this environment's records since {@code since} (the webhook's sending) as a table, and keeps their
     * figures, one per kind of hop, for {@link #printSummary()}.
     */
    public void breakdown(String environment, Instant since) {
        List<Hop> hops = of(environment).stream().filter(h -> !h.created().isBefore(since.minusMillis(5))).toList();
        System.out.printf("  %-34s %9s %9s %9s %11s%n", "record (environment " + environment.substring(0, 8) + ")",
                "created", "relay", "fetch", "handler");
        for (Hop hop : hops) {
            double relay = millis(hop.created(), hop.sent());
            double fetch = millis(hop.sent(), hop.seen());
            Hop cause = hop.causationId() == null ? null : byId.get(hop.causationId());
            Double handler = cause == null ? null : millis(cause.seen(), hop.created());
            System.out.printf("  %-34s %7.0fms %7.0fms %7.0fms %9s%n", hop.shortType(), millis(since, hop.created()),
                    relay, fetch, handler == null ? "-" : String.format("%.0fms", handler));
            add("relay: written -> sent (rest of transaction, commit, relay)", relay);
            add("fetch: sent -> seen (broker, fetch)", fetch);
            if (handler != null) {
                add("handler: " + cause.shortType() + " seen -> " + hop.shortType() + " written", handler);
            }
        }
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    private synchronized void add(String name, double value) {
        figures.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    /** The median, 90th percentile and largest of each kind of hop over every {@link #breakdown}. */
    public synchronized void printSummary() {
        System.out.printf("%-64s %5s %8s %8s %8s%n", "hop (milliseconds)", "n", "median", "p90", "max");
        figures.forEach((name, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            System.out.printf("%-64s %5d %8.1f %8.1f %8.1f%n", name, sorted.size(), sorted.get(sorted.size() / 2),
                    sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1), sorted.get(sorted.size() - 1));
        });
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}
