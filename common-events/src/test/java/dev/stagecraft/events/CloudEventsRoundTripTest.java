package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.cloudevents.UnreadableEventException;
import dev.stagecraft.infra.LocalInfra;

class CloudEventsRoundTripTest {

    @Test
    void everyMessageTypeSurvivesARealBrokerWithItsEnvelope() {
        LocalInfra infra = LocalInfra.shared();
        Map<String, CloudEvent> sent = new HashMap<>();
        try (var producer = new KafkaProducer<>(infra.kafkaClientConfig(),
                new StringSerializer(), new StringSerializer())) {
            for (MessageType type : MessageType.values()) {
                CloudEvent event = CloudEvent.of("test", Samples.of(type.javaType()), "cause-" + type);
                sent.put(event.id(), event);
                producer.send(KafkaCloudEvents.toRecord(event));
            }
            producer.flush();
        }

        Map<String, CloudEvent> received = new HashMap<>();
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(infra.kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "round-trip", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Topics.ALL);
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ZERO)
                    .until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                            records.add(record);
                            CloudEvent event = KafkaCloudEvents.fromRecord(record);
                            received.put(event.id(), event);
                        }
                        return received.keySet().containsAll(sent.keySet());
                    });
        }

        assertEquals(MessageType.values().length, received.size(), "one record per message type");
        for (CloudEvent event : sent.values()) {
            CloudEvent back = received.get(event.id());
            assertEquals(event.data(), back.data(), event.type());
            assertEquals(event.type(), back.type());
            assertEquals(event.subject(), back.subject());
            assertEquals(event.workflowId(), back.workflowId());
            assertEquals(event.causationId(), back.causationId());
            assertEquals(event.time().toInstant(), back.time().toInstant());
        }
        for (ConsumerRecord<String, String> record : records) {
            assertEquals(record.key(), KafkaCloudEvents.get(record.headers(), KafkaCloudEvents.H_SUBJECT),
                    "records are keyed by environment id");
            assertEquals("1.0", KafkaCloudEvents.get(record.headers(), KafkaCloudEvents.H_SPECVERSION));
            assertTrue(KafkaCloudEvents.get(record.headers(), KafkaCloudEvents.H_TYPE).endsWith(".v1"));
        }
    }

    @Test
    void unknownPayloadFieldsAreIgnored() {
        String json = "{\"environmentId\":\"e1\",\"workflowId\":\"w1\",\"commit\":\"abc\",\"addedLater\":{\"x\":1}}";
        assertEquals(new BuildStarted("e1", "w1", "abc"), EventJson.read(json, BuildStarted.class));
    }

    @Test
    void recordsThatAreNotStagecraftEventsAreRefusedWithTheReason() {
        var headers = new RecordHeaders();
        headers.add(KafkaCloudEvents.H_TYPE, "dev.example.unknown.v1".getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaCloudEvents.H_ID, "1".getBytes(StandardCharsets.UTF_8));
        var unknownType = new ConsumerRecord<>("t", 0, 7L, 0L, TimestampType.CREATE_TIME, 0, 0, "k", "{}", headers,
                java.util.Optional.empty());
        var e = assertThrows(UnreadableEventException.class, () -> KafkaCloudEvents.fromRecord(unknownType));
        assertTrue(e.getMessage().contains("dev.example.unknown.v1"), e.getMessage());

        var noType = new ConsumerRecord<>("t", 0, 8L, "k", "{}");
        e = assertThrows(UnreadableEventException.class, () -> KafkaCloudEvents.fromRecord(noType));
        assertTrue(e.getMessage().contains("ce_type"), e.getMessage());
    }

    @Test
    void specHashIgnoresMapOrderButNotContent() {
        var a = new EnvironmentSpec("app", List.of(), Map.of("A", "1", "B", "2"));
        var b = new EnvironmentSpec("app", List.of(), new java.util.TreeMap<>(Map.of("B", "2", "A", "1")));
        var c = new EnvironmentSpec("app", List.of(), Map.of("A", "1", "B", "3"));
        assertEquals(dev.stagecraft.events.cloudevents.SpecHash.of(a), dev.stagecraft.events.cloudevents.SpecHash.of(b));
        assertTrue(!dev.stagecraft.events.cloudevents.SpecHash.of(a).equals(dev.stagecraft.events.cloudevents.SpecHash.of(c)));
    }
}
