package dev.stagecraft.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.stagecraft.messaging.outbox.OutboxConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What every service reads of {@code stagecraft.*} through common-messaging: who it is, its sealing keys, Kafka
 * topics, the outbox, consumers, stage runs, retention, metrics and traces; each with its default.
 */
@ConfigMapping(prefix = "stagecraft")
public interface MessagingConfig {

    /** The service's name (gateway, build, setup, patch, teardown): the source of what it publishes. */
    String serviceName();

    /** This instance, unique among running ones and the same across its restarts; it owns leases and memberships. */
    String instanceId();

    Secrets secrets();

    Kafka kafka();

    OutboxConfig outbox();

    Consumer consumer();

    Stage stage();

    Retention retention();

    Metrics metrics();

    Tracing tracing();

    /** {@code stagecraft.secrets.*}: the keys secret values are sealed with. */
    interface Secrets {

        /** Base64 of 32 random bytes, the same in every service. */
        Optional<String> key();

        /** Older keys that still open what they sealed while a rotation is under way. */
        Optional<List<String>> previousKeys();

        /** False in a service that seals and opens nothing (the build-service): it runs without the key. */
        @WithDefault("true")
        boolean required();
    }

    /** {@code stagecraft.kafka.*}: the topics a service makes at start. */
    interface Kafka {

        /** Whether the service creates missing topics. */
        @WithDefault("true")
        boolean createTopics();

        /** Partitions of a topic it creates. */
        @WithDefault("4")
        int partitions();

        /** Unset: the cluster's {@code default.replication.factor}, which matches its {@code min.insync.replicas}. */
        Optional<Short> replicationFactor();
    }

    /** {@code stagecraft.consumer.*}. */
    interface Consumer {

        /** The longest pause between attempts at a record while the database or broker is unavailable. */
        @WithDefault("PT5S")
        Duration maxBackoff();
    }

    /** {@code stagecraft.stage.*}: the runs of a stage service. */
    interface Stage {

        /** How often a working run says so ({@code WorkflowProgressed} pushes the workflow deadline back). */
        @WithDefault("PT60S")
        Duration heartbeat();

        /** For how long at most a run keeps saying so. */
        @WithDefault("PT1H")
        Duration heartbeatFor();

        /** Runs at a time per instance. */
        @WithDefault("4")
        int concurrency();

        /** A run's lease, renewed every third of it; a run whose lease expired is taken over by another instance. */
        @WithDefault("PT30S")
        Duration lease();

        /** Starts of a run before its workflow fails instead. */
        @WithDefault("3")
        int maxAttempts();
    }

    /** {@code stagecraft.retention.*}: how long history and log lines are kept. */
    interface Retention {

        /** Deliveries, timeline, workflows, deleted environments, processed messages, stage runs, parked messages. */
        @WithDefault("P30D")
        Duration history();

        /** Log lines. */
        @WithDefault("P7D")
        Duration logs();

        /** Rows deleted per statement. */
        @WithDefault("1000")
        int batchSize();
    }

    /** {@code stagecraft.metrics.*}: figures on {@code /q/metrics} that cost a query to take. */
    interface Metrics {

        /** How often the lag of the service's consumer groups is read from the broker; 0 turns it off. */
        @WithDefault("PT15S")
        Duration lagEvery();
    }

    /**
     * {@code stagecraft.tracing.*}: where spans go. Trace ids travel through HTTP, the outbox, Kafka and stage runs,
     * and stand in the log lines, whether or not spans are exported.
     */
    interface Tracing {

        /**
         * The OTLP endpoint spans are exported to ({@code STAGECRAFT_OTEL_ENDPOINT}, the protocol in
         * {@code STAGECRAFT_OTEL_PROTOCOL}); unset, no span is exported.
         */
        Optional<String> endpoint();

        /** Whether spans are exported; unset, whenever an endpoint is set (a test exporting to memory sets it). */
        Optional<Boolean> export();

        default boolean exporting() {
            return export().orElse(endpoint().isPresent());
        }
    }
}
