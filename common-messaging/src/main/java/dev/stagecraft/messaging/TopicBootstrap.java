package dev.stagecraft.messaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.jboss.logging.Logger;

import dev.stagecraft.events.Topics;
import io.quarkus.runtime.StartupEvent;

/**
 * Creates the contract's topics and their dead-letter topics when they are missing, before consumers subscribe.
 * Turn off with {@code stagecraft.kafka.create-topics=false} where topics are managed elsewhere (e.g. Strimzi).
 */
@ApplicationScoped
public class TopicBootstrap {

    private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

    @jakarta.inject.Inject
    KafkaClientConfig clients;

    @Inject
    MessagingConfig config;

    /** The topic as it is created: the configured partitions, and the configured or the cluster's replication. */
    NewTopic newTopic(String name) {
        return new NewTopic(name, Optional.of(config.kafka().partitions()), config.kafka().replicationFactor());
    }

    void onStart(@Observes @Priority(1) StartupEvent event) throws Exception {
        if (!config.kafka().createTopics()) {
            return;
        }
        try (Admin admin = Admin.create(clients.connection())) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : Topics.ALL) {
                for (String name : List.of(topic, Topics.deadLetter(topic))) {
                    if (!existing.contains(name)) {
                        missing.add(newTopic(name));
                    }
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // another service created them at the same moment
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                }
                LOG.infof("created topics %s", missing.stream().map(NewTopic::name).toList());
            }
        }
    }
}
