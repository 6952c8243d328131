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
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller) running in this JVM, with
 * authentication and authorisation as on the cluster: clients authenticate with SASL/SCRAM-SHA-512 as the principals
 * of deploy/kubernetes/35-kafka-users.yaml ({@link KafkaUsers}), each allowed exactly its ACLs; {@code admin}
 * (SASL/PLAIN, a super user) is the broker itself and whoever administers it. Nothing is allowed without an ACL.
 * The controller's port is picked free; when another process takes it (or a free client port) before the broker
 * binds it, the broker is started again on other ports.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final int BIND_ATTEMPTS = 5;

    private final Path dataDir;
    private final List<KafkaUsers.User> users = KafkaUsers.fromManifest();
    private final KafkaCredentials credentials;
    private final int requestedPort;
    private int port;
    private int controllerPort;
    private KafkaRaftServer server;

    /** A broker listening on {@code port}, or on a free port when it is 0. */
    public KafkaBroker(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.requestedPort = port;
        this.port = port;
        this.credentials = KafkaCredentials.load(dataDir.resolveSibling("kafka-credentials.properties"),
                users.stream().map(KafkaUsers.User::name).toList());
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The principals and their passwords. */
    public KafkaCredentials credentials() {
        return credentials;
    }

    /** Client configuration of the super user: for tests and tools that set things up. */
    public Map<String, Object> adminConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), "security.protocol",
                "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", plain(KafkaCredentials.ADMIN));
    }

    /** Client configuration of one of the principals of 35-kafka-users.yaml, e.g. {@code stagecraft-setup}. */
    public Map<String, Object> clientConfig(String user) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), "security.protocol",
                "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                        + "\" password=\"" + credentials.password(user) + "\";");
    }

    private String plain(String user) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + credentials.password(user) + "\";";
    }

    /** The server side of SASL/PLAIN: only the admin may use it. */
    private String plainServer() {
        String password = credentials.password(KafkaCredentials.ADMIN);
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\""
                + password + "\" user_admin=\"" + password + "\";";
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
                grantPrincipals();
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
        grantPrincipals();
    }

    private Properties brokerProperties() {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        props.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        // clients: SCRAM-SHA-512 (credentials kept in the cluster's metadata); the broker and the admin: PLAIN with
        // the one static user admin, which needs no metadata to exist yet
        props.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        props.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plainServer());
        props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        props.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        props.put("listener.name.controller.plain.sasl.jaas.config", plainServer());
        props.put("sasl.mechanism.controller.protocol", "PLAIN");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:" + KafkaCredentials.ADMIN);
        props.put("allow.everyone.if.no.acl.found", "false");
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
            Map<String, Object> config = new java.util.HashMap<>(adminConfig());
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
            try (Admin admin = Admin.create(config)) {
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

    /** Creates (or updates) every principal's SCRAM credential and its ACLs; run at every start. */
    private void grantPrincipals() throws Exception {
        try (Admin admin = Admin.create(adminConfig())) {
            List<UserScramCredentialAlteration> scram = new java.util.ArrayList<>();
            List<AclBinding> acls = new java.util.ArrayList<>();
            for (KafkaUsers.User user : users) {
                scram.add(new UserScramCredentialUpsertion(user.name(), new ScramCredentialInfo(
                        ScramMechanism.SCRAM_SHA_512, 8192), credentials.password(user.name())));
                acls.addAll(user.acls());
            }
            admin.alterUserScramCredentials(scram).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
        // SCRAM credentials and ACLs reach the broker's caches through the metadata log: wait until a principal
        // can authenticate
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String probe = users.get(0).name();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            Map<String, Object> config = new java.util.HashMap<>(clientConfig(probe));
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
            try (Admin admin = Admin.create(config)) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the principals of 35-kafka-users.yaml cannot authenticate", last);
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
