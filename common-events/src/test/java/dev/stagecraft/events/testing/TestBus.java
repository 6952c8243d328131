package dev.stagecraft.events.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

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
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                var group = admin.describeConsumerGroups(List.of(groupId)).all().get().get(groupId);
                boolean assigned = group.groupState() == org.apache.kafka.common.GroupState.STABLE
                        && group.members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty());
                if (assigned) {
                    return;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("consumer group " + groupId + " has no partitions after 60 s: "
                            + group.groupState());
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("describing consumer group " + groupId, e);
        }
    }

    /** Waits for a message of {@code type} about {@code environmentId} and returns it. */
    public <T extends StagecraftMessage> CloudEvent await(Class<T> type, String environmentId) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            for (CloudEvent e : seen) {
                if (type.isInstance(e.data()) && environmentId.equals(e.subject())) {
                    seen.remove(e);
                    return e;
                }
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                seen.add(KafkaCloudEvents.fromRecord(record));
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " for " + environmentId + " within 30s; saw "
                + seen.stream().filter(e -> environmentId.equals(e.subject())).map(CloudEvent::type).toList());
    }

    /** Every message of {@code type} about {@code environmentId} seen within {@code wait}. */
    public <T extends StagecraftMessage> List<CloudEvent> all(Class<T> type, String environmentId, Duration wait) {
        long deadline = System.currentTimeMillis() + wait.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                seen.add(KafkaCloudEvents.fromRecord(record));
            }
        }
        return seen.stream().filter(e -> type.isInstance(e.data()) && environmentId.equals(e.subject())).toList();
    }

    /** Every message of {@code type} seen within {@code wait}, whatever it is about. */
    public <T extends StagecraftMessage> List<CloudEvent> all(Class<T> type, Duration wait) {
        long deadline = System.currentTimeMillis() + wait.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                seen.add(KafkaCloudEvents.fromRecord(record));
            }
        }
        return seen.stream().filter(e -> type.isInstance(e.data())).toList();
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
