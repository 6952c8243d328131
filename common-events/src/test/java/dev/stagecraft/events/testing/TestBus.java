package dev.stagecraft.events.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.infra.LocalInfra;

/**
 * A test's seat on the real broker: reads every command and lifecycle event, and publishes messages as a service would.
 */
public final class TestBus implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final List<CloudEvent> seen = new ArrayList<>();

    public TestBus() {
        LocalInfra infra = LocalInfra.shared();
        consumer = new KafkaConsumer<>(infra.kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "gateway-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(),
                new StringDeserializer());
        consumer.subscribe(List.of(Topics.BUILD_COMMANDS, Topics.SETUP_COMMANDS, Topics.PATCH_COMMANDS,
                Topics.TEARDOWN_COMMANDS, Topics.LIFECYCLE));
        producer = new KafkaProducer<>(infra.kafkaClientConfig(), new StringSerializer(),
                new StringSerializer());
    }

    /**
     * Waits until the consumer group {@code groupId} of the service under test has its partitions: a consumer that
     * starts at the latest offset misses what is published before then.
     */
    public static void awaitGroupAssigned(String groupId) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                LocalInfra.shared().kafkaClientConfig())) {
            Awaitility.await("consumer group " + groupId + " has its partitions").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        var group = admin.describeConsumerGroups(List.of(groupId)).all().get().get(groupId);
                        return group.groupState() == org.apache.kafka.common.GroupState.STABLE && group.members()
                                .stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty());
                    });
        }
    }

    /** Waits for a message of {@code type} about {@code environmentId} and returns it. */
    public <T extends StagecraftMessage> CloudEvent await(Class<T> type, String environmentId) {
        return await(type, e -> environmentId.equals(e.subject()), "about " + environmentId);
    }

    /** Waits for a message of {@code type} that {@code which} accepts, whatever it is about, and returns it. */
    public <T extends StagecraftMessage> CloudEvent await(Class<T> type, Predicate<CloudEvent> which) {
        return await(type, which, "of the kind asked for");
    }

    private CloudEvent await(Class<? extends StagecraftMessage> type, Predicate<CloudEvent> which, String what) {
        CloudEvent found = Awaitility.await("a " + type.getSimpleName() + " " + what).atMost(Duration.ofSeconds(30))
                .pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                    read();
                    return seen.stream().filter(e -> type.isInstance(e.data()) && which.test(e)).findFirst()
                            .orElse(null);
                }, Objects::nonNull);
        seen.remove(found);
        return found;
    }

    /**
     * The messages of {@code type} about {@code environmentId} that no {@code await} took, once the bus has read all
     * the broker held when this was called. A test calls it after awaiting a marker: a message the environment was
     * sent because of something the test did after the input that must have had no effect. The outbox sends an
     * environment's messages in commit order, each once the broker took the one before, so whatever that input
     * caused is on the broker by then, and is in this list.
     */
    public <T extends StagecraftMessage> List<CloudEvent> remaining(Class<T> type, String environmentId) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
        if (ends.isEmpty()) {
            throw new IllegalStateException("await a marker first: the bus has not joined its topics yet");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO)
                .until(() -> {
                    read();
                    return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                });
        return seen.stream().filter(e -> type.isInstance(e.data()) && environmentId.equals(e.subject())).toList();
    }

    private void read() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
            seen.add(KafkaCloudEvents.fromRecord(record));
        }
    }

    /** Publishes {@code message} on its topic and returns its envelope. */
    public CloudEvent publish(StagecraftMessage message) {
        CloudEvent event = CloudEvent.of("/test/stage", message, null);
        send(KafkaCloudEvents.toRecord(event));
        return event;
    }

    /** Publishes a record as given, e.g. one that is not a valid event. */
    public void send(org.apache.kafka.clients.producer.ProducerRecord<String, String> record) {
        try {
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void publishTwice(StagecraftMessage message) {
        CloudEvent event = CloudEvent.of("/test/stage", message, null);
        try {
            producer.send(KafkaCloudEvents.toRecord(event)).get();
            producer.send(KafkaCloudEvents.toRecord(event)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
    }
}
