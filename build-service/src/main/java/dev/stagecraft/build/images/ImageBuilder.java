package dev.stagecraft.build.images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.async.ResultCallback;

import dev.stagecraft.build.BuildConfig;
import dev.stagecraft.registry.ConfiguredRegistry;
import dev.stagecraft.registry.RegistryAddress;
import dev.stagecraft.registry.RegistryCalls;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.ImageBuilds;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.smallrye.faulttolerance.api.Guard;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.runtime.StartupEvent;

/** Builds, finds and pushes service images on the Docker engine (and the registry, when one is configured). */
@ApplicationScoped
public class ImageBuilder {

    private static final int LOG_TAIL = 20;
    private static final Logger LOG = Logger.getLogger(ImageBuilder.class);
    /** How many times a push is tried when the registry fails it with a server error ({@link #pushMayPass}). */
    static final int PUSH_ATTEMPTS = 3;
    private static final Pattern TRANSIENT_STATUS = Pattern.compile(
            "\\b5\\d\\d (internal server error|bad gateway|service unavailable|gateway timeout)");
    /** Removes build networks once their build ended, off the build's path (one left by a crash goes at start). */
    private static final Executor NETWORK_REMOVAL = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "build-network-removal");
        t.setDaemon(true);
        return t;
    });
    /** The label that marks a build's network. */
    static final String ROLE = "stagecraft.dev/role";
    static final String BUILD_NETWORK_PREFIX = "stagecraft-build-";

    @Inject
    DockerClient docker;

    @Inject
    BuildConfig config;

    @Inject
    ConfiguredRegistry registry;

    /** The image reference of a service: {@code [registry/]stagecraft/<application>/<service>:<tag>}. */
    public String reference(String application, String service, String tag) {
        String name = "stagecraft/" + application + "/" + service;
        return registry.address().map(r -> r.reference(r.repository(name), tag)).orElse(name + ":" + tag);
    }

    /** Whether {@code reference} exists already, locally or in the registry, so the build can be skipped. */
    public boolean exists(String reference) {
        try {
            docker.inspectImageCmd(reference).exec();
            return true;
        } catch (NotFoundException e) {
            return existsInRegistry(reference);
        }
    }

    /**
     * Whether the registry has {@code reference}'s manifest ({@code HEAD /v2/<repository>/manifests/<tag>}), asked
     * under the registry's fault tolerance policy; a refusal or a failure is logged and answered no, so the image is
     * built.
     */
    private boolean existsInRegistry(String reference) {
        Optional<RegistryCalls> calls = registry.calls();
        Optional<RegistryAddress.Tagged> image = calls.flatMap(r -> r.address().tagged(reference));
        if (image.isEmpty()) {
            return false;
        }
        try (Response answer = calls.get().manifestHead(image.get().repository(), image.get().tag())) {
            if (answer.getStatus() == 401 || answer.getStatus() == 403) {
                LOG.warnf("the registry %s refused to say whether %s exists (HTTP %d): building it; check the"
                        + " credentials of STAGECRAFT_REGISTRY_AUTH_FILE", calls.get().address(), reference,
                        answer.getStatus());
            }
            return answer.getStatus() == 200;
        } catch (RuntimeException e) {
            LOG.warnf("could not ask the registry whether %s exists (%s): building it", reference, e.getMessage());
            return false;
        }
    }

    /**
     * Builds the context tar {@code context} with the Dockerfile at {@code dockerfile} (a path inside it), its build
     * arguments and target stage, as {@code reference}, streaming each output line to {@code output}; pushes it when
     * {@code push} and a registry is configured.
     * The build's {@code RUN} steps run on a bridge network made for this build alone and removed after it, so they
     * reach neither the host's loopback (Kafka, PostgreSQL, the registry, the services) nor any environment; they
     * get at most {@code stagecraft.build.memory} and the build at most {@code stagecraft.build.timeout}.
     *
     * @throws BuildException with the last lines of output when the build or push fails
     */
    @WithSpan("docker build")
    public void build(Path context, String dockerfile, Map<String, String> buildArgs, String target,
            @SpanAttribute("stagecraft.image") String reference, Map<String, String> labels,
            @SpanAttribute("stagecraft.push") boolean push, Consumer<String> output) {
        Deque<String> tail = new ArrayDeque<>();
        Consumer<String> sink = line -> {
            for (String l : line.split("\n")) {
                if (l.isBlank()) {
                    continue;
                }
                output.accept(l);
                synchronized (tail) {
                    if (tail.size() == LOG_TAIL) {
                        tail.removeFirst();
                    }
                    tail.addLast(l);
                }
            }
        };
        String network = BUILD_NETWORK_PREFIX + UUID.randomUUID().toString().substring(0, 12);
        docker.createNetworkCmd().withName(network).withDriver("bridge")
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, ROLE, "build")).exec();
        try (InputStream tar = Files.newInputStream(context)) {
            var command = docker.buildImageCmd(tar);
            buildArgs.forEach(command::withBuildArg);
            if (target != null && !target.isBlank()) {
                command.withTarget(target);
            }
            BuildImageResultCallback callback = ImageBuilds.start(command
                    .withDockerfilePath(dockerfile)
                    .withTags(Set.of(reference))
                    .withNetworkMode(network)
                    .withMemory(config.memory())
                    .withMemswap(config.memory())
                    .withLabels(labels), sink);
            if (!callback.awaitCompletion(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                callback.close(); // closing the connection stops the build on the engine
                throw new BuildException("the build ran longer than " + config.timeout().toMinutes()
                        + " minutes (stagecraft.build.timeout) and was stopped", snapshot(tail));
            }
            callback.awaitImageId();
        } catch (IOException e) {
            throw new BuildException("could not read the build context: " + e.getMessage(), snapshot(tail));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("interrupted while building " + reference, snapshot(tail));
        } catch (DockerClientException | com.github.dockerjava.api.exception.DockerException e) {
            throw new BuildException(e.getMessage(), snapshot(tail));
        } finally {
            NETWORK_REMOVAL.execute(() -> removeNetwork(network));
        }
        if (push && pushes()) {
            push(reference, sink, tail);
        }
    }

    /** Removes build networks a build-service that stopped in the middle of a build left behind. */
    void removeLeftoverNetworks(@Observes StartupEvent event) {
        try {
            for (Network n : docker.listNetworksCmd().withFilter("label", List.of(ROLE + "=build")).exec()) {
                removeNetwork(n.getId());
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not look for leftover build networks: %s", e.getMessage());
        }
    }

    private void removeNetwork(String network) {
        try {
            docker.removeNetworkCmd(network).exec();
        } catch (RuntimeException e) {
            // gone already, or still used by a build of another instance on the same engine
            LOG.debugf("build network %s not removed: %s", network, e.getMessage());
        }
    }

    private static List<String> snapshot(Deque<String> tail) {
        synchronized (tail) {
            return List.copyOf(tail);
        }
    }

    /**
     * A push the registry failed with a server error or a broken connection is tried again: a registry under load (or
     * several engines pushing the same layers at once) answers 500 now and then, and a push is idempotent.
     */
    private static final Guard PUSH = Guard.create().withDescription("image push").withRetry()
            .maxRetries(PUSH_ATTEMPTS - 1).delay(2, ChronoUnit.SECONDS).jitter(500, ChronoUnit.MILLIS)
            .whenException(ImageBuilder::pushMayPass).done().build();

    /** Whether a push that failed so may succeed when tried again: a server error or a broken connection. */
    static boolean pushMayPass(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return e instanceof BuildException && !message.contains("interrupted") && !message.contains("ran longer than")
                && (TRANSIENT_STATUS.matcher(message).find() || message.contains("connection reset")
                        || message.contains("broken pipe") || message.contains("unexpected eof"));
    }

    private void push(String reference, Consumer<String> sink, Deque<String> tail) {
        int[] attempt = {0};
        try {
            PUSH.get(() -> {
                if (attempt[0]++ > 0) {
                    sink.accept("push of " + reference + ": trying again (" + attempt[0] + " of " + PUSH_ATTEMPTS
                            + ")");
                }
                pushOnce(reference, sink, tail);
                return null;
            }, Void.class);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) { // the retry's wait was interrupted: Fault Tolerance throws it undeclared
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new BuildException("interrupted while pushing " + reference, snapshot(tail));
        }
    }

    private void pushOnce(String reference, Consumer<String> sink, Deque<String> tail) {
        List<String> seen = snapshot(tail);
        RegistryAddress address = registry.address().orElseThrow();
        try {
            var command = docker.pushImageCmd(reference);
            registry.credentials(address).ifPresent(c -> command.withAuthConfig(new AuthConfig().withRegistryAddress(
                    address.host()).withUsername(c.username()).withPassword(c.password())));
            var callback = command.exec(new ResultCallback.Adapter<PushResponseItem>() {
                @Override
                public void onNext(PushResponseItem item) {
                    if (item.getErrorDetail() != null) {
                        String error = item.getErrorDetail().getMessage();
                        throw new BuildException("push of " + reference + " failed: " + error + loginHint(error), seen);
                    }
                    if (item.getStatus() != null && item.getId() == null) {
                        sink.accept(item.getStatus());
                    }
                }
            });
            if (!callback.awaitCompletion(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                callback.close();
                throw new BuildException("the push of " + reference + " ran longer than " + config.timeout().toMinutes()
                        + " minutes (stagecraft.build.timeout) and was stopped", seen);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("interrupted while pushing " + reference, seen);
        } catch (IOException e) {
            throw new BuildException("push of " + reference + " failed: " + e.getMessage(), seen);
        } catch (RuntimeException e) {
            if (e instanceof BuildException b) {
                throw b;
            }
            throw new BuildException("push of " + reference + " failed: " + e.getMessage(), seen);
        }
    }

    /** What to check when the registry refused a push for want of a login. */
    private String loginHint(String error) {
        String e = error == null ? "" : error.toLowerCase(Locale.ROOT);
        if (!e.contains("unauthorized") && !e.contains("authentication required") && !e.contains("denied")) {
            return "";
        }
        return registry.authFile()
                .map(f -> " (the registry refused the push credentials of " + f
                + ", STAGECRAFT_REGISTRY_AUTH_FILE)").orElse(" (no push credentials are configured:"
                        + " STAGECRAFT_REGISTRY_AUTH_FILE)");
    }

    /** Whether built images are pushed (a registry is configured). */
    public boolean pushes() {
        return registry.address().isPresent();
    }

    /** Removes a local image this service built; one already gone or in use is left as it is. */
    public void remove(String reference) {
        try {
            docker.removeImageCmd(reference).exec();
        } catch (NotFoundException | com.github.dockerjava.api.exception.ConflictException e) {
            // nothing to remove, or another environment runs it
        }
    }

    /** Labels on every built image. */
    public static Map<String, String> labels(String application, String service, String treeId) {
        return Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.APPLICATION, application,
                Labels.SERVICE, service, Labels.GIT_TREE, treeId);
    }
}
