package dev.stagecraft.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class LocalInfraTest {

    @Test
    void brokerDeliversWhatWasProducedAndPostgresAnswersQueries() throws Exception {
        LocalInfra infra = LocalInfra.shared();
        try (var producer = new KafkaProducer<String, String>(infra.kafkaClientConfig(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("infra-check", "k", "hello")).get();
        }
        try (var consumer = new KafkaConsumer<String, String>(infra.kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "infra-check",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("infra-check"));
            String value = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInSameThread()
                    .pollInterval(Duration.ZERO).until(() -> {
                        String last = null;
                        for (var record : consumer.poll(Duration.ofMillis(500))) {
                            last = record.value();
                        }
                        return last;
                    }, java.util.Objects::nonNull);
            assertEquals("hello", value);
        }
        try (var c = DriverManager.getConnection(infra.jdbcUrl(), infra.jdbcUser(), "");
             var rs = c.createStatement().executeQuery("select current_database()")) {
            rs.next();
            assertEquals(PostgresServer.DATABASE, rs.getString(1));
        }
    }
}
