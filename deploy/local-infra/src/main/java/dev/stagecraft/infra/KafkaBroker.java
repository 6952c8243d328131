package dev.stagecraft.infra;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller) running in this JVM.
 * The controller's port is picked free; when another process takes it (or a free client port) before the broker
 * binds it, the broker is started again on other ports.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final int BIND_ATTEMPTS = 5;

    private final Path dataDir;
    private final int requestedPort;
    private int port;
    private int controllerPort;
    private KafkaRaftServer server;

    /** A broker listening on {@code port}, or on a free port when it is 0. */
    public KafkaBroker(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.requestedPort = port;
        this.port = port;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public KafkaBroker start() {
        for (int attempt = 1; ; attempt++) {
            port = requestedPort != 0 ? requestedPort : FreePorts.find();
            controllerPort = FreePorts.find();
            try {
                Files.createDirectories(dataDir);
                Properties props = brokerProperties();
                format(props);
                server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
                server.startup();
                awaitReady();
                return this;
            } catch (Exception e) {
                close();
                if (!FreePorts.isBindConflict(e) || attempt == BIND_ATTEMPTS) {
                    throw new IllegalStateException("Kafka broker did not start on " + bootstrapServers() + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Stops the broker, waits {@code down}, and starts it again on the same ports with the same data, as a broker
     * restart would: clients reconnect to the same address.
     */
    public void restart(java.time.Duration down) throws Exception {
        close();
        Thread.sleep(down.toMillis());
        server = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties(), false), Time.SYSTEM);
        server.startup();
        awaitReady();
    }

    private Properties brokerProperties() {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dataDir.toString());
        props.put("num.partitions", "4");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("log.flush.interval.messages", "10000");
        return props;
    }

    private void format(Properties props) throws Exception {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dataDir.toString()))
                .setMetadataLogDirectory(dataDir.toString())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setIgnoreFormatted(true)
                .run();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000))) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("broker did not report itself ready within 60s", last);
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } finally {
                server = null;
            }
        }
    }

}
