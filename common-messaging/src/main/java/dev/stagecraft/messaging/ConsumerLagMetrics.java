package dev.stagecraft.messaging;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * {@code stagecraft_consumer_lag_records{group, topic}}: how many records each consumer group of this service has
 * not committed yet, summed over the topic's partitions, read from the broker every
 * {@code stagecraft.metrics.lag-every} (NaN until the first read). The groups are the service's own ({@code mp.messaging.incoming.*.group.id}),
 * which its Kafka principal may describe; a partition the group never committed on is not counted.
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

    private final Map<String, AtomicReference<Double>> lags = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;
    private Admin admin;

    void start(@Observes StartupEvent event) {
        long every = config.metrics().lagEvery().toMillis();
        Map<String, String> groups = groups(ConfigProvider.getConfig());
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

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (admin != null) {
            admin.close();
        }
    }

    /** The consumer groups of the service's incoming channels, each with its topic. */
    static Map<String, String> groups(Config config) {
        Map<String, String> groups = new LinkedHashMap<>();
        for (String name : config.getPropertyNames()) {
            Matcher m = GROUP.matcher(name);
            if (!m.matches() || !config.getOptionalValue("mp.messaging.incoming." + m.group(1) + ".enabled",
                    Boolean.class).orElse(true)) {
                continue;
            }
            config.getOptionalValue(name, String.class).ifPresent(group -> config
                    .getOptionalValue("mp.messaging.incoming." + m.group(1) + ".topic", String.class)
                    .ifPresent(topic -> groups.put(group, topic)));
        }
        return groups;
    }

    private void read(String group, String topic) {
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
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
            }
            lags.get(group).set((double) lag);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debugf("lag of consumer group %s not read: %s", group, e.getMessage());
        }
    }
}
