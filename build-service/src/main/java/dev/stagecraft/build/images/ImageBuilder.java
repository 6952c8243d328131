package dev.stagecraft.build.images;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.async.ResultCallback;

import dev.stagecraft.runtime.Labels;

/** Builds, finds and pushes service images on the Docker engine (and the registry, when one is configured). */
@ApplicationScoped
public class ImageBuilder {

    private static final int LOG_TAIL = 20;

    @Inject
    DockerClient docker;

    @ConfigProperty(name = "stagecraft.build.registry")
    java.util.Optional<String> registry;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The image reference of a service: {@code [registry/]stagecraft/<application>/<service>:<tag>}. */
    public String reference(String application, String service, String tag) {
        String repository = "stagecraft/" + application + "/" + service;
        return registry.filter(r -> !r.isBlank()).map(r -> r + "/" + repository).orElse(repository) + ":" + tag;
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

    private boolean existsInRegistry(String reference) {
        if (registry.isEmpty() || registry.get().isBlank() || !reference.startsWith(registry.get() + "/")) {
            return false;
        }
        String rest = reference.substring(registry.get().length() + 1);
        int colon = rest.lastIndexOf(':');
        URI uri = URI.create("http://" + registry.get() + "/v2/" + rest.substring(0, colon) + "/manifests/"
                + rest.substring(colon + 1));
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Builds {@code dockerfile} in {@code context} as {@code reference} on host networking, streaming each output line
     * to {@code output}; pushes it when a registry is configured.
     *
     * @throws BuildException with the last lines of output when the build or push fails
     */
    public void build(Path context, Path dockerfile, String reference, Map<String, String> labels,
            Consumer<String> output) {
        if (!Files.isRegularFile(dockerfile)) {
            throw new BuildException("no Dockerfile at " + context.relativize(dockerfile) + " in the build context",
                    List.of());
        }
        Deque<String> tail = new ArrayDeque<>();
        Consumer<String> sink = line -> {
            for (String l : line.split("\n")) {
                if (l.isBlank()) {
                    continue;
                }
                output.accept(l);
                if (tail.size() == LOG_TAIL) {
                    tail.removeFirst();
                }
                tail.addLast(l);
            }
        };
        try {
            docker.buildImageCmd()
                    .withBaseDirectory(context.toFile())
                    .withDockerfile(dockerfile.toFile())
                    .withTags(Set.of(reference))
                    .withNetworkMode("host")
                    .withLabels(labels)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true)
                    .exec(new BuildImageResultCallback() {
                        @Override
                        public void onNext(BuildResponseItem item) {
                            if (item.getStream() != null) {
                                sink.accept(item.getStream());
                            }
                            if (item.getErrorDetail() != null) {
                                sink.accept(item.getErrorDetail().getMessage());
                            }
                            super.onNext(item);
                        }
                    }).awaitImageId(30, TimeUnit.MINUTES);
        } catch (DockerClientException | com.github.dockerjava.api.exception.DockerException e) {
            throw new BuildException(e.getMessage(), List.copyOf(tail));
        }
        if (registry.isPresent() && !registry.get().isBlank()) {
            push(reference, sink, tail);
        }
    }

    private void push(String reference, Consumer<String> sink, Deque<String> tail) {
        try {
            docker.pushImageCmd(reference).exec(new ResultCallback.Adapter<PushResponseItem>() {
                @Override
                public void onNext(PushResponseItem item) {
                    if (item.getErrorDetail() != null) {
                        throw new BuildException("push of " + reference + " failed: " + item.getErrorDetail().getMessage(),
                                List.copyOf(tail));
                    }
                    if (item.getStatus() != null && item.getId() == null) {
                        sink.accept(item.getStatus());
                    }
                }
            }).awaitCompletion(30, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("interrupted while pushing " + reference, List.copyOf(tail));
        } catch (RuntimeException e) {
            if (e instanceof BuildException b) {
                throw b;
            }
            throw new BuildException("push of " + reference + " failed: " + e.getMessage(), List.copyOf(tail));
        }
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
                Labels.SERVICE, service, "stagecraft.dev/git-tree", treeId);
    }
}
