package dev.stagecraft.e2e;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.ContainerLimits;
import dev.stagecraft.runtime.docker.DockerClients;
import dev.stagecraft.runtime.docker.DockerRuntime;
import dev.stagecraft.runtime.router.CaddyRouter;

/**
 * What the Docker runtime itself costs, without Kafka, databases or builds: set up and tear down an environment of
 * two HTTP services (network, containers, readiness, routes) many times, with and without the router, and time the
 * router's changes alone. Needs {@code DOCKER_HOST} and {@code STAGECRAFT_ROUTER_ADMIN} (deploy/bench/runtime.sh
 * starts both). Prints medians and 90th percentiles in milliseconds.
 */
public final class RuntimeBenchmarkMain {

    private RuntimeBenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        DockerClient docker = DockerClients.fromEnvironment();
        BaseImages.ensureBusybox(docker);
        String admin = System.getenv("STAGECRAFT_ROUTER_ADMIN");
        if (admin == null) {
            throw new IllegalStateException("STAGECRAFT_ROUTER_ADMIN names the router's admin API");
        }
        CaddyRouter router = new CaddyRouter(URI.create(admin), "stagecraft", "localhost", "http", 80);
        List<String> images = List.of(image(docker, "web"), image(docker, "api"));
        EnvironmentSpec spec = new EnvironmentSpec("runtime-bench", List.of(service("web"), service("api")), Map.of());
        Map<String, String> byService = Map.of("web", images.get(0), "api", images.get(1));
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        try {
            for (boolean routed : new boolean[] {false, true}) {
                DockerRuntime runtime = new DockerRuntime(docker, Duration.ofSeconds(30), ContainerLimits.DEFAULTS,
                        v -> v, routed ? router : null);
                String suffix = routed ? " (with router)" : " (no router)";
                for (int round = 0; round <= rounds; round++) {
                    String env = "rb-" + UUID.randomUUID().toString().substring(0, 8);
                    long t0 = System.nanoTime();
                    DeployResult setup = runtime.setup(env, spec, byService, "c0ffee", RuntimeListener.SILENT);
                    double setupMs = millis(t0);
                    if (!setup.succeeded()) {
                        throw new IllegalStateException("setup failed: " + setup.reason());
                    }
                    long t1 = System.nanoTime();
                    TeardownResult teardown = runtime.teardown(env, List.of(), RuntimeListener.SILENT);
                    double teardownMs = millis(t1);
                    if (!teardown.clean()) {
                        throw new IllegalStateException("teardown left " + teardown.leftovers());
                    }
                    if (round > 0) { // the first round warms the JVM and the engine
                        figures.computeIfAbsent("setup" + suffix, k -> new ArrayList<>()).add(setupMs);
                        figures.computeIfAbsent("teardown" + suffix, k -> new ArrayList<>()).add(teardownMs);
                    }
                }
            }
            for (int round = 0; round <= rounds; round++) {
                String env = "rb-" + UUID.randomUUID().toString().substring(0, 8);
                long t0 = System.nanoTime();
                router.publish(env, "web", List.of(router.hostName(env, "web")), "127.0.0.1:9");
                router.publish(env, "api", List.of(router.hostName(env, "api")), "127.0.0.1:9");
                double publishMs = millis(t0);
                long t1 = System.nanoTime();
                router.unpublish(env);
                double unpublishMs = millis(t1);
                if (round > 0) {
                    figures.computeIfAbsent("router: publish two routes", k -> new ArrayList<>()).add(publishMs);
                    figures.computeIfAbsent("router: remove them", k -> new ArrayList<>()).add(unpublishMs);
                }
            }
        } finally {
            for (String image : images) {
                docker.removeImageCmd(image).withForce(true).exec();
            }
        }
        System.out.printf("%n%-36s %8s %8s %8s%n", "figure (ms, " + rounds + " rounds)", "median", "p90", "max");
        figures.forEach((name, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            System.out.printf("%-36s %8.0f %8.0f %8.0f%n", name, sorted.get(sorted.size() / 2),
                    sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.9) - 1)),
                    sorted.get(sorted.size() - 1));
        });
        System.exit(0);
    }

    private static ServiceSpec service(String name) {
        return new ServiceSpec(name, null, new EnvironmentSpec.BuildSpec(name, "Dockerfile"), 8080, Map.of());
    }

    private static String image(DockerClient docker, String name) throws Exception {
        Path dir = Files.createTempDirectory("runtime-bench");
        Files.writeString(dir.resolve("index.html"), name + "\n");
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BaseImages.BUSYBOX + "\nCOPY index.html /www/index.html\n"
                + "CMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n");
        String tag = "stagecraft-bench/" + name + ":" + UUID.randomUUID().toString().substring(0, 12);
        docker.buildImageCmd(dir.toFile()).withTags(Set.of(tag)).withNetworkMode("none").withPull(false)
                // labelled as the build-service labels what it builds, so teardown removes it as it would those
                .withLabels(java.util.Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.GIT_TREE, name))
                .exec(new BuildImageResultCallback()).awaitImageId(120, TimeUnit.SECONDS);
        return tag;
    }

    private static double millis(long since) {
        return (System.nanoTime() - since) / 1e6;
    }
}
