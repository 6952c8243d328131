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


/** The five Stagecraft services, each started from its packaged jar as a separate process. */
public final class StagecraftServices implements AutoCloseable {

    public static final List<String> SERVICES = List.of("gateway", "build", "setup", "patch", "teardown");
    /** The line Quarkus logs once it listens, with the port it really got. */
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://127\\.0\\.0\\.1:(\\d+)");

    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Path logDir;

    private StagecraftServices(Path logDir) {
        this.logDir = logDir;
    }

    /**
     * Starts every service with {@code environment} (STAGECRAFT_* variables) and waits until each reports ready.
     *
     * @param root the project's root directory, where each service's target/quarkus-app lives
     */
    public static StagecraftServices start(Path root, Map<String, String> environment, Path logDir)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        StagecraftServices services = new StagecraftServices(logDir);
        try {
            for (String name : SERVICES) {
                services.launch(root, name, environment);
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

    private void launch(Path root, String name, Map<String, String> environment) throws IOException {
        Path jar = root.resolve(name + "-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist; build the services first: ./mvnw -B install -DskipTests");
        }
        // setsid: a Ctrl-C in the terminal reaches the launcher only, which stops the services once it is done with them.
        // Port 0: the kernel picks a free port when the service binds, and the service logs which (see awaitReady).
        List<String> cmd = new ArrayList<>(List.of("setsid", javaBinary(), "-Xmx384m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dquarkus.http.port=0",
                "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".log").toFile());
        builder.environment().putAll(environment);
        processes.put(name, builder.start());
    }

    private void awaitReady(String name, Duration timeout) throws InterruptedException, IOException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process process = processes.get(name);
            if (!process.isAlive()) {
                throw new IllegalStateException(name + "-service exited with " + process.exitValue() + "; see "
                        + logDir.resolve(name + ".log"));
            }
            if (!ports.containsKey(name)) {
                Matcher listening = LISTENING.matcher(Files.readString(logDir.resolve(name + ".log")));
                if (!listening.find()) {
                    Thread.sleep(100);
                    continue;
                }
                ports.put(name, Integer.parseInt(listening.group(1)));
            }
            URI health = URI.create("http://127.0.0.1:" + ports.get(name) + "/q/health/ready");
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + "-service was not ready within " + timeout.toSeconds() + "s; see "
                + logDir.resolve(name + ".log"));
    }

    public String gatewayUrl() {
        return "http://127.0.0.1:" + ports.get("gateway");
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
