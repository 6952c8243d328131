package dev.stagecraft.messaging;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.common.annotation.Identifier;

/**
 * The connection settings every Kafka client of a service shares: the bootstrap servers and the authentication of
 * {@code kafka.*} (the service's own principal), for the clients made outside the messaging connector (the outbox's
 * producer, the topic bootstrap's admin client).
 */
@ApplicationScoped
public class KafkaClientConfig {

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> broker;

    /** Bootstrap servers and every security, SASL and SSL setting, ready to extend with the client's own. */
    public Map<String, Object> connection() {
        Map<String, Object> config = new HashMap<>();
        broker.forEach((key, value) -> {
            if (key.equals("bootstrap.servers") || key.equals("security.protocol") || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                config.put(key, value);
            }
        });
        return config;
    }
}
