package dev.stagecraft.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local broker authenticates every client and authorises it by the ACLs of 35-kafka-users.yaml: a principal
 * with no ACL, a wrong password, or a service writing a topic it is not granted is refused by the broker itself.
 */
class KafkaAuthorisationTest {

    private static LocalInfra infra;

    @BeforeAll
    static void topics() throws Exception {
        infra = LocalInfra.shared();
        try (Admin admin = Admin.create(infra.kafkaClientConfig())) {
            for (String topic : List.of("stagecraft.setup.commands", "stagecraft.lifecycle", "stagecraft.ui.commands")) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException exists) {
                    // made by another test of this JVM
                }
            }
        }
    }

    private static Throwable send(Map<String, Object> client, String topic) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "{}")).get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t != null && !(t instanceof TopicAuthorizationException) && !(t instanceof SaslAuthenticationException)
                && !(t instanceof GroupAuthorizationException) && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void aPrincipalWithoutAnAclIsRefusedCommands() throws Exception {
        String intruder = "intruder-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(infra.kafkaClientConfig())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(intruder,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "let-me-in"))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> client = new HashMap<>(infra.kafkaClientConfig("stagecraft-setup"));
        client.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + intruder + "\" password=\"let-me-in\";");
        // until the credential reached the broker
        Throwable refused = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> send(client, "stagecraft.setup.commands"),
                        t -> rootOf(t) instanceof TopicAuthorizationException);
        assertInstanceOf(TopicAuthorizationException.class, rootOf(refused), String.valueOf(refused));
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> client = new HashMap<>(infra.kafkaClientConfig("stagecraft-gateway"));
        client.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"stagecraft-gateway\" password=\"guess\";");
        assertInstanceOf(SaslAuthenticationException.class, rootOf(send(client, "stagecraft.lifecycle")));
    }

    @Test
    void aServiceWritesWhatItsAclsGrantAndNothingElse() {
        assertEquals(null, send(infra.kafkaClientConfig("stagecraft-build"), "stagecraft.lifecycle"),
                "the build-service publishes lifecycle events");
        assertInstanceOf(TopicAuthorizationException.class, rootOf(send(infra.kafkaClientConfig("stagecraft-build"),
                "stagecraft.setup.commands")), "only the gateway sends commands");
        assertInstanceOf(TopicAuthorizationException.class, rootOf(send(infra.kafkaClientConfig("stagecraft-build"),
                "stagecraft.ui.commands")), "only a UI principal asks for actions");
        assertEquals(null, send(infra.kafkaClientConfig("stagecraft-ui"), "stagecraft.ui.commands"));
        assertInstanceOf(TopicAuthorizationException.class, rootOf(send(infra.kafkaClientConfig("stagecraft-ui"),
                "stagecraft.lifecycle")), "a UI principal cannot forge lifecycle events");
    }

    @Test
    void aServiceReadsOnlyItsOwnTopicsInItsOwnGroup() {
        Map<String, Object> config = new HashMap<>(infra.kafkaClientConfig("stagecraft-build"));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "stagecraft-build");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("stagecraft.setup.commands"));
            Exception refused = assertThrows(Exception.class, () -> {
                for (int i = 0; i < 20; i++) {
                    consumer.poll(Duration.ofMillis(500));
                }
            });
            assertTrue(rootOf(refused) instanceof TopicAuthorizationException, String.valueOf(refused));
        }
    }
}
