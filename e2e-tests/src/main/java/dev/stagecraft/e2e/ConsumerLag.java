package dev.stagecraft.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Samples how far a consumer group is behind, in time: for each partition it has not read to the end, the age of the
 * first record it has not committed yet; a sample is the largest such age (0 when the group is at the end
 * everywhere). Runs in a thread of its own until closed.
 */
public final class ConsumerLag implements AutoCloseable {

    private final Admin admin;
    private final KafkaConsumer<String, String> reader;
    private final String group;
    private final String topic;
    private final Duration every;
    private final List<Double> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts sampling {@code group} on {@code topic} every {@code every}. */
    public ConsumerLag(Map<String, Object> kafka, String group, String topic, Duration every) {
        this.admin = Admin.create(kafka);
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        this.reader = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
        this.group = group;
        this.topic = topic;
        this.every = every;
        this.thread = new Thread(this::loop, "consumer-lag");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                double lag = sample();
                synchronized (samples) {
                    samples.add(lag);
                }
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // a sample missed (e.g. the group rebalancing); the next one is taken on time
            }
        }
    }

    /** Seconds behind now of the oldest record the group has not committed, over the topic's partitions. */
    private double sample() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(10, TimeUnit.SECONDS);
        long now = System.currentTimeMillis();
        double worst = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
            long next = e.getValue().offset();
            if (next >= ends.get(e.getKey()).offset()) {
                continue;
            }
            reader.assign(List.of(e.getKey()));
            reader.seek(e.getKey(), next);
            for (ConsumerRecord<String, String> r : reader.poll(Duration.ofSeconds(2))) {
                worst = Math.max(worst, (now - r.timestamp()) / 1000.0);
                break;
            }
        }
        return worst;
    }

    /** The samples so far, in seconds, sorted. */
    public List<Double> sorted() {
        synchronized (samples) {
            return samples.stream().sorted().toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
        reader.close();
        admin.close();
    }
}
