package dev.stagecraft.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The five Stagecraft services, each started from its packaged jar as a separate process. */
public final class StagecraftServices implements AutoCloseable {

    public static final List<String> SERVICES = List.of("gateway", "build", "setup", "patch", "teardown");
    /** Environment key prefix of the services' Kafka passwords: {@code STAGECRAFT_KAFKA_PASSWORD_OF_GATEWAY}, ... */
    public static final String KAFKA_PASSWORD_OF = "STAGECRAFT_KAFKA_PASSWORD_OF_";
    /** The services' JVM options, one argument file for every way of starting them. */
    public static final String JVM_OPTIONS = "deploy/jvm.options";
    /** The line Quarkus logs once it listens, with the port it really got. */
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");

    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Integer> launches = new LinkedHashMap<>();
    private final Path logDir;
    private final Path root;
    private final Map<String, String> environment;
    /** Instance ids are {@code <run>-<instance name>}: the same across restarts of an instance, unique per run. */
    private final String run = java.util.UUID.randomUUID().toString().substring(0, 8);

    private StagecraftServices(Path root, Map<String, String> environment, Path logDir) {
        this.root = root;
        Map<String, String> all = new java.util.HashMap<>(environment);
        // one sealing key for the run, shared by its instances, unless the caller brings one
        all.putIfAbsent("STAGECRAFT_SECRETS_KEY", randomKey());
        this.environment = Map.copyOf(all);
        this.logDir = logDir;
    }

    /**
     * Starts every service with {@code environment} (STAGECRAFT_* variables) and waits until each reports ready.
     *
     * @param root the project's root directory, where each service's target/quarkus-app lives
     */
    private static String randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    public static StagecraftServices start(Path root, Map<String, String> environment, Path logDir)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        StagecraftServices services = new StagecraftServices(root, environment, logDir);
        try {
            for (String name : SERVICES) {
                services.launch(name, name, 0);
            }
            for (String name : SERVICES) {
                services.awaitReady(name, Duration.ofSeconds(120));
            }
            return services;
        } catch (IOException | InterruptedException | RuntimeException e) {
            services.close();
            throw e;
        }
    }

    /** Starts one more instance of {@code service}, named {@code instance}, and waits until it is ready. */
    public void startInstance(String service, String instance) throws IOException, InterruptedException {
        if (processes.containsKey(instance)) {
            throw new IllegalArgumentException("an instance named " + instance + " exists");
        }
        launch(service, instance, 0);
        awaitReady(instance, Duration.ofSeconds(120));
    }

    /** kill -9 of the instance ({@code gateway}, {@code setup}, or a name given to {@link #startInstance}). */
    public void kill(String instance) throws InterruptedException {
        Process process = processes.get(instance);
        process.destroyForcibly(); // SIGKILL
        process.waitFor();
    }

    /** The id the instance owns stage runs and Kafka memberships under ({@code stagecraft.instance-id}). */
    public String instanceId(String instance) {
        return run + "-" + instance;
    }

    /** Stops the instance with SIGTERM, as an orchestrator would, and waits until it exited. */
    public void stop(String instance) throws InterruptedException {
        Process process = processes.get(instance);
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** The operating system's id of the instance's process. */
    public long pid(String instance) {
        return processes.get(instance).pid();
    }

    public boolean alive(String instance) {
        Process process = processes.get(instance);
        return process != null && process.isAlive();
    }

    /** Starts a killed or stopped instance again, under the same instance id, and waits until it is ready. */
    public void restart(String instance) throws IOException, InterruptedException {
        restartAll(List.of(instance));
    }

    /** Starts the stopped instances all at once again, each on its former port, and waits until all are ready. */
    public void restartAll(List<String> instances) throws IOException, InterruptedException {
        for (String instance : instances) {
            if (processes.get(instance).isAlive()) {
                throw new IllegalStateException(instance + " is still running");
            }
        }
        for (String instance : instances) {
            Integer port = ports.remove(instance); // the same port: clients of the instance (the gateway's) keep working
            launch(serviceOf(instance), instance, port == null ? 0 : port);
        }
        for (String instance : instances) {
            awaitReady(instance, Duration.ofSeconds(120));
        }
    }

    /** The log file of the instance's latest start. */
    public Path log(String instance) {
        int n = launches.getOrDefault(instance, 1);
        return logDir.resolve(n == 1 ? instance + ".log" : instance + "." + n + ".log");
    }

    private static String serviceOf(String instance) {
        return SERVICES.stream().filter(s -> instance.equals(s) || instance.startsWith(s + "-")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service for instance " + instance));
    }

    private void launch(String name, String instance, int port) throws IOException {
        Path jar = root.resolve(name + "-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist; build the services first: ./mvnw -B install -DskipTests");
        }
        launches.merge(instance, 1, Integer::sum);
        // setsid: a Ctrl-C in the terminal reaches the launcher only, which stops the services once it is done with them.
        // Port 0: the kernel picks a free port when the service binds, and the service logs which (see awaitReady).
        // the JVM options every start of a service uses (up.sh, the Kubernetes image), from one file, and in the
        // application's folder: its class data archive names the jar as the command line gives it (deploy/jvm.options)
        List<String> cmd = new ArrayList<>(List.of("setsid", javaBinary(), "@" + root.resolve(JVM_OPTIONS),
                "-Dquarkus.http.port=" + port, "-jar", jar.getFileName().toString()));
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(jar.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(log(instance).toFile());
        environment.forEach((k, v) -> {
            // each service gets only the secrets it needs, as deploy/kubernetes and up.sh give them: no other's Kafka
            // password, the sealing key not to the build-service, the admin token to the gateway alone
            boolean withheld = k.startsWith(KAFKA_PASSWORD_OF)
                    || k.equals("STAGECRAFT_SECRETS_KEY") && name.equals("build")
                    || k.equals("STAGECRAFT_ADMIN_TOKEN") && !name.equals("gateway");
            if (!withheld) {
                builder.environment().put(k, v);
            }
        });
        // the service's own Kafka principal, and no other's password
        String password = environment.get(KAFKA_PASSWORD_OF + name.toUpperCase(java.util.Locale.ROOT));
        if (password != null) {
            builder.environment().put("STAGECRAFT_KAFKA_USER", "stagecraft-" + name);
            builder.environment().put("STAGECRAFT_KAFKA_PASSWORD", password);
        }
        builder.environment().put("STAGECRAFT_INSTANCE_ID", instanceId(instance));
        processes.put(instance, builder.start());
    }

    private void awaitReady(String name, Duration timeout) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newHttpClient();
        try {
            Awaitility.await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(() -> ready(http, name));
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + "s; see "
                    + log(name));
        }
    }

    /** Whether {@code name} says it is ready; an instance whose process ended fails at once. */
    private boolean ready(HttpClient http, String name) throws InterruptedException, IOException {
        Process process = processes.get(name);
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log(name));
        }
        if (!ports.containsKey(name)) {
            Matcher listening = LISTENING.matcher(Files.readString(log(name)));
            if (!listening.find()) {
                return false;
            }
            ports.put(name, Integer.parseInt(listening.group(1)));
        }
        URI health = URI.create("http://127.0.0.1:" + ports.get(name) + "/q/health/ready");
        try {
            return http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false; // still starting
        }
    }

    public String gatewayUrl() {
        return url("gateway");
    }

    /** Where the instance's HTTP server (health, metrics) listens. */
    public String url(String instance) {
        return "http://127.0.0.1:" + ports.get(instance);
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        for (Process p : processes.values()) {
            try {
                if (!p.waitFor(Duration.ofSeconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
