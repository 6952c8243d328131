package dev.stagecraft.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.stagecraft.infra.PostgresServer.Durability;

/** Kafka and PostgreSQL together: once per test JVM ({@link #shared()}) or as a long-running local process. */
public final class LocalInfra implements AutoCloseable {

    private static LocalInfra shared;

    private final Path root;
    private final boolean temporary;
    private final KafkaBroker kafka;
    private final PostgresServer postgres;

    private LocalInfra(Path root, boolean temporary, int kafkaPort, int postgresPort, Durability durability) {
        this.root = root;
        this.temporary = temporary;
        this.kafka = new KafkaBroker(root.resolve("kafka"), kafkaPort);
        this.postgres = new PostgresServer(root.resolve("postgres"), postgresPort, durability);
    }

    /**
     * Starts infrastructure in {@code root} on the given ports (0: any free one); data survives restarts, and with
     * {@link Durability#DURABLE} a crash too.
     */
    public static LocalInfra start(Path root, int kafkaPort, int postgresPort, Durability durability) {
        LocalInfra infra = new LocalInfra(root, false, kafkaPort, postgresPort, durability);
        infra.startAll();
        return infra;
    }

    /**
     * Infrastructure in a new temporary directory, on free ports, tuned for tests; {@link #close()} stops it and
     * deletes the directory.
     */
    public static LocalInfra temporary(Durability durability) {
        try {
            Path root = Files.createTempDirectory("stagecraft-infra-");
            LocalInfra infra = new LocalInfra(root, true, 0, 0, durability);
            infra.startAll();
            return infra;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one temporary instance of this JVM (test speed), stopped when the JVM exits. */
    public static synchronized LocalInfra shared() {
        if (shared == null) {
            LocalInfra infra = temporary(Durability.TEST_SPEED);
            Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "stagecraft-infra-stop"));
            shared = infra;
        }
        return shared;
    }

    /** The Kafka broker, for tests that restart it. */
    public KafkaBroker kafka() {
        return kafka;
    }

    /** PostgreSQL, for tests that crash and restart it. */
    public PostgresServer postgres() {
        return postgres;
    }

    private void startAll() {
        try {
            postgres.start();
            kafka.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Kafka client configuration of the super user, for tests that publish and read as any service. */
    public Map<String, Object> kafkaClientConfig() {
        return kafka.adminConfig();
    }

    /** The super user's client configuration plus {@code extra} (group id, deserializers, ...). */
    public Map<String, Object> kafkaClientConfig(Map<String, ?> extra) {
        Map<String, Object> config = new java.util.HashMap<>(kafka.adminConfig());
        config.putAll(extra);
        return config;
    }

    /** Kafka client configuration of one principal of 35-kafka-users.yaml ({@code stagecraft-gateway}, ...). */
    public Map<String, Object> kafkaClientConfig(String user) {
        return kafka.clientConfig(user);
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    public String jdbcUser() {
        return PostgresServer.USER;
    }

    /** The configuration a Stagecraft service needs to reach this infrastructure, as Quarkus property names. */
    public Map<String, String> serviceConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        // a service under test talks to the broker as the super user (its tests also act as the other services)
        kafka.adminConfig().forEach((k, v) -> config.put("kafka." + k, String.valueOf(v)));
        config.put("quarkus.datasource.jdbc.url", jdbcUrl());
        config.put("quarkus.datasource.username", jdbcUser());
        config.put("quarkus.datasource.password", "");
        return config;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory left behind is harmless
        }
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            postgres.close();
            if (temporary) {
                deleteQuietly(root);
            }
        }
    }
}
