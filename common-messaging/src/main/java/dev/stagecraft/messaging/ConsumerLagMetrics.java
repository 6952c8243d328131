package dev.stagecraft.messaging;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * {@code stagecraft_consumer_lag_records{group, topic}}: how many records each consumer group of this service has
 * not committed yet, summed over the topic's partitions, read from the broker every
 * {@code stagecraft.metrics.lag-every} (NaN until the first read, and while the broker cannot be read). The groups are
 * the service's own ({@code mp.messaging.incoming.*.group.id}), which its Kafka principal may describe.
 */
@ApplicationScoped
public class ConsumerLagMetrics {

    private static final Logger LOG = Logger.getLogger(ConsumerLagMetrics.class);
    private static final Pattern GROUP = Pattern.compile("mp\\.messaging\\.incoming\\.(.+)\\.group\\.id");

    @Inject
    KafkaClientConfig clients;

    @Inject
    MessagingConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    Config mpConfig;

    private final Map<String, AtomicReference<Double>> lags = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService timer;
    private Admin admin;

    void start(@Observes StartupEvent event) {
        long every = config.metrics().lagEvery().toMillis();
        Map<String, String> groups = groups(mpConfig);
        if (every <= 0 || groups.isEmpty()) {
            return;
        }
        groups.forEach((group, topic) -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN); // not read yet
            Gauge.builder("stagecraft.consumer.lag", value, AtomicReference::get).baseUnit("records")
                    .description("Records of the topic the consumer group has not committed yet")
                    .tag("group", group).tag("topic", topic).register(registry);
            lags.put(group, value);
        });
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "consumer-lag");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> groups.forEach(this::read), every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (timer != null) {
            timer.shutdownNow();
            timer.awaitTermination(15, TimeUnit.SECONDS); // no read may make a client after it is closed
        }
        if (admin != null) {
            admin.close();
        }
    }

    /**
     * The consumer groups of the service's incoming channels, each with its topic; not those of channels that never
     * commit ({@code commit-strategy=ignore}: a stream read from now on), whose lag means nothing.
     */
    static Map<String, String> groups(Config config) {
        Map<String, String> groups = new LinkedHashMap<>();
        for (String name : config.getPropertyNames()) {
            Matcher m = GROUP.matcher(name);
            if (!m.matches()) {
                continue;
            }
            String channel = "mp.messaging.incoming." + m.group(1) + ".";
            if (!config.getOptionalValue(channel + "enabled", Boolean.class).orElse(true)
                    || "ignore".equals(config.getOptionalValue(channel + "commit-strategy", String.class)
                            .orElse(null))) {
                continue;
            }
            config.getOptionalValue(name, String.class).ifPresent(group -> config
                    .getOptionalValue(channel + "topic", String.class).ifPresent(topic -> groups.put(group, topic)));
        }
        return groups;
    }

    /**
     * Reads the group's lag: for each partition of the topic, its end less the group's committed offset, or less its
     * start where the group committed nothing yet (the channels read from the earliest record). NaN when the broker
     * cannot be read; the first failure after a success is logged.
     */
    private void read(String group, String topic) {
        AtomicReference<Double> value = lags.get(group);
        try {
            if (admin == null) {
                admin = Admin.create(clients.connection());
            }
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                    .forEach((partition, offset) -> {
                        if (partition.topic().equals(topic) && offset != null) {
                            committed.put(partition, offset);
                        }
                    });
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(partitions, OffsetSpec.latest());
            Map<TopicPartition, ListOffsetsResultInfo> starts = offsets(partitions, OffsetSpec.earliest());
            long lag = 0;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata done = committed.get(partition);
                long from = done != null ? done.offset() : starts.get(partition).offset();
                lag += Math.max(0, ends.get(partition).offset() - from);
            }
            value.set((double) lag);
            failing.remove(group);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            value.set(Double.NaN);
            if (failing.add(group)) {
                LOG.warnf("lag of consumer group %s not read (shown as NaN until it is): %s", group, e.getMessage());
            }
        }
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
        partitions.forEach(p -> wanted.put(p, spec));
        return admin.listOffsets(wanted).all().get(10, TimeUnit.SECONDS);
    }
}
