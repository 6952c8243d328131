package dev.stagecraft.runtime.docker;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.async.ResultCallback;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;

/**
 * Runs environments as containers on one Docker engine, on host networking. Each service gets a free port in
 * {@code PORT} and finds the others through {@code <SERVICE>_HOST}, {@code <SERVICE>_PORT} and {@code <SERVICE>_URL}.
 * A container is identified by its environment and service labels and replaced only when its configuration hash
 * (image, variables, port) changes, so setup and patch converge.
 */
public final class DockerRuntime implements EnvironmentRuntime {

    private static final Logger LOG = Logger.getLogger(DockerRuntime.class);
    private static final int SETTLE_ROUNDS = 3;
    private static final Duration SETTLE_PAUSE = Duration.ofMillis(500);

    private final DockerClient docker;
    private final String publicHost;
    private final Duration readinessTimeout;
    private final PortAllocator ports;
    private final UnaryOperator<String> openSecret;

    /** @param openSecret turns a sealed secret variable into its value (only when the container is created) */
    public DockerRuntime(DockerClient docker, String publicHost, Duration readinessTimeout, PortAllocator ports,
            UnaryOperator<String> openSecret) {
        this.openSecret = openSecret;
        this.docker = docker;
        this.publicHost = publicHost;
        this.readinessTimeout = readinessTimeout;
        this.ports = ports;
    }

    @Override
    public DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return converge(environmentId, spec, images, commit, listener, true);
    }

    @Override
    public DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return converge(environmentId, spec, images, commit, listener, false);
    }

    private DeployResult converge(String environmentId, EnvironmentSpec spec, Map<String, String> images,
            String commit, RuntimeListener listener, boolean removeStrangers) {
        Map<String, Container> existing = servicesOf(environmentId);
        Map<String, Integer> portOf = new LinkedHashMap<>();
        for (ServiceSpec service : spec.services()) {
            Container c = existing.get(service.name());
            String label = c == null ? null : c.getLabels().get(Labels.PORT);
            portOf.put(service.name(), label != null ? Integer.parseInt(label) : ports.next());
        }
        Map<String, String> discovery = discoveryVariables(portOf);
        Map<String, String> endpoints = new LinkedHashMap<>();
        List<String> started = new ArrayList<>();
        List<ServiceSpec> toStart = new ArrayList<>();
        for (ServiceSpec service : spec.services()) {
            String image = images.getOrDefault(service.name(), service.image());
            if (image == null) {
                return DeployResult.failed(task(service), "no image for service '" + service.name()
                        + "': it has no build and no image");
            }
            int port = portOf.get(service.name());
            endpoints.put(service.name(), "http://" + publicHost + ":" + port);
            Map<String, String> env = environment(environmentId, spec, service, port, discovery);
            String hash = configHash(image + "\n" + service.command() + "\n" + service.args(), env);
            Container current = existing.get(service.name());
            if (current != null && hash.equals(current.getLabels().get(Labels.CONFIG_HASH))
                    && "running".equals(current.getState())) {
                continue;
            }
            toStart.add(service);
            listener.checkCancelled();
            listener.taskStarted(task(service));
            try {
                if (current != null) {
                    remove(current.getId());
                }
                ensureImage(image, listener, service.name());
                create(environmentId, spec.application(), service, image, withCommit(env, commit), hash, port);
                started.add(service.name());
            } catch (RuntimeException e) {
                String reason = "container for '" + service.name() + "' did not start: " + e.getMessage();
                listener.taskFinished(task(service), false, reason);
                return DeployResult.failed(task(service), reason);
            }
        }
        if (removeStrangers) {
            for (Map.Entry<String, Container> e : existing.entrySet()) {
                if (!portOf.containsKey(e.getKey())) {
                    remove(e.getValue().getId());
                }
            }
        }
        Optional<DeployResult> failure = awaitReady(environmentId, toStart, portOf, listener);
        return failure.orElseGet(() -> DeployResult.ok(endpoints, started));
    }

    private Optional<DeployResult> awaitReady(String environmentId, List<ServiceSpec> services,
            Map<String, Integer> portOf, RuntimeListener listener) {
        if (services.isEmpty()) {
            return Optional.empty();
        }
        ExecutorService waiters = Executors.newFixedThreadPool(services.size());
        try {
            Map<ServiceSpec, Future<String>> waits = new LinkedHashMap<>();
            for (ServiceSpec service : services) {
                waits.put(service, waiters.submit(() -> awaitAnswer(environmentId, service, portOf.get(service.name()),
                        listener)));
            }
            DeployResult firstFailure = null;
            for (Map.Entry<ServiceSpec, Future<String>> wait : waits.entrySet()) {
                String task = task(wait.getKey());
                String problem;
                try {
                    problem = wait.getValue().get();
                } catch (ExecutionException e) {
                    problem = e.getCause().getMessage();
                }
                listener.taskFinished(task, problem == null, problem);
                if (problem != null && firstFailure == null) {
                    firstFailure = DeployResult.failed(task, problem);
                }
            }
            return Optional.ofNullable(firstFailure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(DeployResult.failed(null, "interrupted while waiting for services"));
        } finally {
            waiters.shutdownNow();
        }
    }

    /** Null when the service answers on its port; otherwise why it never will. */
    private String awaitAnswer(String environmentId, ServiceSpec service, int port, RuntimeListener listener)
            throws InterruptedException {
        long deadline = System.nanoTime() + readinessTimeout.toNanos();
        String name = containerName(environmentId, service.name());
        while (System.nanoTime() < deadline) {
            listener.checkCancelled();
            if (answers(port)) {
                return null;
            }
            InspectContainerResponse state = docker.inspectContainerCmd(name).exec();
            if (!Boolean.TRUE.equals(state.getState().getRunning())) {
                return "service '" + service.name() + "' exited with code " + state.getState().getExitCodeLong()
                        + " before answering on port " + port + "; last output: " + lastOutput(name);
            }
            Thread.sleep(100);
        }
        return "service '" + service.name() + "' did not answer on port " + port + " within "
                + readinessTimeout.toSeconds() + "s; last output: " + lastOutput(name);
    }

    /** A service answers when it accepts a connection and, if it speaks HTTP, returns any response. */
    private static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        } catch (IOException e) {
            return false;
        }
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL()
                    .openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(2000);
            http.getResponseCode();
            http.disconnect();
        } catch (IOException e) {
            // not HTTP, or not yet: a TCP answer is enough for a non-HTTP service
            LOG.debugf("port %d accepts connections but gave no HTTP answer: %s", port, e.getMessage());
        }
        return true;
    }

    private String lastOutput(String container) {
        StringBuilder out = new StringBuilder();
        try {
            docker.logContainerCmd(container).withStdOut(true).withStdErr(true).withTail(10)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
        return out.toString().strip();
    }

    private void ensureImage(String image, RuntimeListener listener, String service) {
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException missing) {
            listener.log(service, "pulling " + image);
            try {
                docker.pullImageCmd(image).start().awaitCompletion(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pulling " + image);
            } catch (RuntimeException e) {
                throw new IllegalStateException("image " + image + " is not on the Docker engine and could not be pulled: "
                        + e.getMessage());
            }
        }
    }

    private void create(String environmentId, String application, ServiceSpec service, String image,
            Map<String, String> env, String hash, int port) {
        Map<String, String> labels = Labels.forEnvironment(environmentId);
        labels.put(Labels.SERVICE, service.name());
        labels.put(Labels.APPLICATION, application);
        labels.put(Labels.CONFIG_HASH, hash);
        labels.put(Labels.PORT, Integer.toString(port));
        List<String> envList = env.entrySet().stream().map(e -> e.getKey() + "=" + openSecret.apply(e.getValue()))
                .toList();
        var create = docker.createContainerCmd(image)
                .withName(containerName(environmentId, service.name()))
                .withLabels(labels)
                .withEnv(envList)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host"));
        if (!service.command().isEmpty()) {
            create.withEntrypoint(service.command());
        }
        if (!service.args().isEmpty()) {
            create.withCmd(service.args());
        }
        String id = create.exec().getId();
        docker.startContainerCmd(id).exec();
    }

    private void remove(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException alreadyGone) {
            // converging: nothing to remove
        }
    }

    @Override
    public TeardownResult teardown(String environmentId, List<String> images, RuntimeListener listener) {
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        listener.taskStarted("release.remove_environment");
        // a setup cancelled a moment ago may still create a container: look again before declaring the removal done
        for (int round = 0; round < SETTLE_ROUNDS; round++) {
            for (Container c : labelled(environmentId)) {
                remove(c.getId());
                removed.add("container " + c.getNames()[0].replaceFirst("^/", ""));
            }
            if (round < SETTLE_ROUNDS - 1) {
                pause(SETTLE_PAUSE);
            }
        }
        for (String image : images == null ? List.<String>of() : images) {
            try {
                docker.removeImageCmd(image).exec();
                removed.add("image " + image);
            } catch (NotFoundException alreadyGone) {
                // removed by an earlier teardown
            } catch (ConflictException inUse) {
                kept.add("image " + image + " (used by another container)");
            }
        }
        List<String> leftovers = new ArrayList<>();
        for (Container c : labelled(environmentId)) {
            leftovers.add("container " + c.getNames()[0]);
        }
        listener.taskFinished("release.remove_environment", leftovers.isEmpty(),
                leftovers.isEmpty() ? null : "still present: " + leftovers);
        return new TeardownResult(removed, kept, leftovers);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public java.util.Set<String> environmentsWithResources() {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (Container c : docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).exec()) {
            String id = c.getLabels().get(Labels.ENVIRONMENT);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    private List<Container> labelled(String environmentId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, environmentId, Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE))
                .exec();
    }

    private Map<String, Container> servicesOf(String environmentId) {
        Map<String, Container> byService = new LinkedHashMap<>();
        for (Container c : labelled(environmentId)) {
            byService.put(c.getLabels().get(Labels.SERVICE), c);
        }
        return byService;
    }

    private static Map<String, String> discoveryVariables(Map<String, Integer> portOf) {
        Map<String, String> vars = new TreeMap<>();
        portOf.forEach((service, port) -> {
            String prefix = envName(service);
            vars.put(prefix + "_HOST", "127.0.0.1");
            vars.put(prefix + "_PORT", Integer.toString(port));
            vars.put(prefix + "_URL", "http://127.0.0.1:" + port);
        });
        return vars;
    }

    private static Map<String, String> environment(String environmentId, EnvironmentSpec spec, ServiceSpec service,
            int port, Map<String, String> discovery) {
        Map<String, String> env = new TreeMap<>(spec.variables());
        env.putAll(discovery);
        env.putAll(service.envs());
        env.put("PORT", Integer.toString(port));
        env.put("STAGECRAFT_ENVIRONMENT_ID", environmentId);
        env.put("STAGECRAFT_SERVICE", service.name());
        return env;
    }

    /** The commit variables, under Stagecraft's and Release's names; outside the config hash on purpose. */
    private static Map<String, String> withCommit(Map<String, String> env, String commit) {
        if (commit == null) {
            return env;
        }
        Map<String, String> all = new TreeMap<>(env);
        String shortSha = commit.length() > 7 ? commit.substring(0, 7) : commit;
        all.put("STAGECRAFT_COMMIT_SHA", commit);
        all.put("RELEASE_COMMIT_SHA", commit);
        all.put("STAGECRAFT_COMMIT_SHORT", shortSha);
        all.put("RELEASE_COMMIT_SHORT", shortSha);
        return all;
    }

    static String envName(String service) {
        return service.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String configHash(String image, Map<String, String> env) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(image.getBytes(StandardCharsets.UTF_8));
            new TreeMap<>(env).forEach((k, v) -> sha.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String containerName(String environmentId, String service) {
        return "stagecraft-" + environmentId + "-" + service;
    }

    private static String task(ServiceSpec service) {
        return "services." + service.name();
    }
}
