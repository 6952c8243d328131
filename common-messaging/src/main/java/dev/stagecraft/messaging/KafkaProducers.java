package dev.stagecraft.messaging;

import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/** The service's Kafka producer: idempotent, acks=all, used by the outbox relay and the log stream. */
@ApplicationScoped
public class KafkaProducers {

    @Inject
    KafkaClientConfig clients;

    private volatile Producer<String, String> events;

    public Producer<String, String> events() {
        Producer<String, String> p = events;
        if (p == null) {
            synchronized (this) {
                if (events == null) {
                    Map<String, Object> config = clients.connection();
                    config.putAll(Map.of(
                            ProducerConfig.ACKS_CONFIG, "all",
                            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                            ProducerConfig.LINGER_MS_CONFIG, 1,
                            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                            // a send waiting for metadata (broker away) blocks the relay: give up and retry instead
                            ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000));
                    events = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
                }
                p = events;
            }
        }
        return p;
    }

    @PreDestroy
    void close() {
        if (events != null) {
            events.close();
        }
    }
}
