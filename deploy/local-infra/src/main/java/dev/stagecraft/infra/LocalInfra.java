package dev.stagecraft.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Kafka and PostgreSQL together: once per test JVM ({@link #shared()}) or as a long-running local process. */
public final class LocalInfra implements AutoCloseable {

    private static LocalInfra shared;

    private final Path root;
    private final boolean temporary;
    private final KafkaBroker kafka;
    private final PostgresServer postgres;

    private LocalInfra(Path root, boolean temporary, int kafkaPort, int postgresPort) {
        this.root = root;
        this.temporary = temporary;
        this.kafka = new KafkaBroker(root.resolve("kafka"), kafkaPort);
        this.postgres = new PostgresServer(root.resolve("postgres"), postgresPort);
    }

    /** Starts infrastructure in {@code root} on the given ports; data survives restarts. */
    public static LocalInfra start(Path root, int kafkaPort, int postgresPort) {
        LocalInfra infra = new LocalInfra(root, false, kafkaPort, postgresPort);
        infra.startAll();
        return infra;
    }

    /** The one instance of this JVM, on free ports in a temporary directory, stopped when the JVM exits. */
    public static synchronized LocalInfra shared() {
        if (shared == null) {
            try {
                Path root = Files.createTempDirectory("stagecraft-infra-");
                LocalInfra infra = new LocalInfra(root, true, FreePorts.find(), FreePorts.find());
                infra.startAll();
                Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "stagecraft-infra-stop"));
                shared = infra;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    private void startAll() {
        postgres.start();
        kafka.start();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
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
        config.put("kafka.bootstrap.servers", kafkaBootstrapServers());
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
