package dev.stagecraft.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.stagecraft.events.Topics;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Topics are created with the cluster's replication, and the shipped cluster's settings let every send succeed. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class TopicBootstrapTest {

    @Inject
    TopicBootstrap bootstrap;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String servers;

    @Test
    void unconfiguredReplicationIsTheClustersDefault() throws Exception {
        NewTopic topic = bootstrap.newTopic(Topics.BUILD_COMMANDS);
        assertEquals(-1, topic.replicationFactor(), "the broker's default.replication.factor, not a fixed number");
        try (Admin admin = Admin.create(dev.stagecraft.infra.LocalInfra.shared().kafkaClientConfig())) {
            TopicDescription created = admin.describeTopics(java.util.List.of(Topics.BUILD_COMMANDS)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(Topics.BUILD_COMMANDS);
            assertEquals(4, created.partitions().size());
        }
    }

    /**
     * With acks=all a send needs min.insync.replicas copies: the replication the services create topics with on the
     * shipped Strimzi cluster (the ConfigMap's, or else the cluster's default) must reach it and fit the brokers.
     */
    @Test
    void shippedClusterTakesEverySend() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        int brokers = 0;
        JsonNode kafkaConfig = null;
        File manifests = new File("../deploy/kubernetes");
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class)
                .readValues(new File(manifests, "30-kafka.yaml"))) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("KafkaNodePool".equals(doc.path("kind").asText())) {
                    brokers += doc.path("spec").path("replicas").asInt();
                } else if ("Kafka".equals(doc.path("kind").asText())) {
                    kafkaConfig = doc.path("spec").path("kafka").path("config");
                }
            }
        }
        String configured = null;
        try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class)
                .readValues(new File(manifests, "20-config.yaml"))) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("ConfigMap".equals(doc.path("kind").asText())
                        && doc.path("data").has("STAGECRAFT_KAFKA_REPLICATION_FACTOR")) {
                    configured = doc.path("data").path("STAGECRAFT_KAFKA_REPLICATION_FACTOR").asText();
                }
            }
        }
        int minInsync = kafkaConfig.path("min.insync.replicas").asInt(1);
        int replication = configured != null ? Integer.parseInt(configured)
                : bootstrap.newTopic("any").replicationFactor() > 0 ? bootstrap.newTopic("any").replicationFactor()
                : kafkaConfig.path("default.replication.factor").asInt(1);
        assertTrue(replication >= minInsync, "topics with " + replication + " replicas refuse acks=all sends under"
                + " min.insync.replicas=" + minInsync);
        assertTrue(replication <= brokers, replication + " replicas on " + brokers + " brokers");
        assertTrue(kafkaConfig.path("offsets.topic.replication.factor").asInt() >= minInsync,
                "consumer offsets need min.insync.replicas copies too");
    }
}
