package dev.stagecraft.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.runtime.docker.DockerDatasets;
import dev.stagecraft.runtime.docker.DockerRuntime;
import dev.stagecraft.runtime.docker.ContainerLimits;
import dev.stagecraft.runtime.router.CaddyRouter;
import dev.stagecraft.runtime.kubernetes.IngressTls;
import dev.stagecraft.runtime.kubernetes.KubernetesDatasets;
import dev.stagecraft.runtime.kubernetes.KubernetesRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The runtimes this installation offers ({@code stagecraft.runtime.enabled}: docker, kubernetes or both) and the
 * default one for specs that name none. An application chooses its runtime when it is registered; the choice
 * travels in its environments' spec and in TeardownRequested.
 */
@ApplicationScoped
public class Runtimes {

    public static final List<String> KNOWN = List.of("docker", "kubernetes");

    @Inject
    RuntimeConfig config;

    @Inject
    Instance<DockerClient> docker;

    @Inject
    Instance<KubernetesClient> kubernetes;

    @Inject
    SecretBox secrets;

    private final Map<String, EnvironmentRuntime> built = new ConcurrentHashMap<>();

    /** The runtime called {@code name}, or the default for null. */
    public EnvironmentRuntime of(String name) {
        return built.computeIfAbsent(config.runtime().choose(name), this::build);
    }

    /** The name of the runtime called {@code name}, or of the default for null. */
    public String nameOf(String name) {
        return config.runtime().choose(name);
    }

    /** Every enabled runtime by name. */
    public Map<String, EnvironmentRuntime> enabled() {
        Map<String, EnvironmentRuntime> all = new LinkedHashMap<>();
        config.runtime().enabled().forEach(name -> all.put(name, of(name)));
        return all;
    }

    /**
     * The configured datasets, checked as they are read (a name, a pool size, an engine, a dump or a seed job); the
     * dump is read when used.
     */
    private List<Dataset> datasets() {
        return datasets(config);
    }

    static List<Dataset> datasets(RuntimeConfig config) {
        List<Dataset> datasets = new java.util.ArrayList<>();
        config.datasets().forEach((name, d) -> {
            java.nio.file.Path dump = d.dump().filter(p -> !p.isBlank()).map(java.nio.file.Path::of).orElse(null);
            Dataset.Seed seed = d.seed().map(s -> new Dataset.Seed(s.image(), s.command().orElse(List.of()),
                    s.env())).orElse(null);
            datasets.add(new Dataset(name, dump, d.poolSize(), d.database(), d.user(), d.password(),
                    d.obfuscate().map(java.nio.file.Path::of).orElse(null), d.applications().orElse(List.of()),
                    Dataset.Engine.parse(name, d.engine()), seed));
        });
        return datasets;
    }

    /**
     * The datasets on the cluster: in their namespace, with each dataset's image. Made with none configured too, so a
     * teardown-service without the datasets' configuration still removes the volume of an environment's copy.
     */
    private KubernetesDatasets kubernetesDatasets(RuntimeConfig.KubernetesIngress settings) {
        List<Dataset> datasets = datasets();
        RuntimeConfig.KubernetesDatasetsConfig d = settings.datasets();
        Map<String, String> images = new LinkedHashMap<>();
        config.datasets().forEach((name, dataset) -> dataset.image().ifPresent(image -> images.put(name, image)));
        // the runtime's own namespace holds the registry pull Secret it copies into environment namespaces
        String own = config.kubernetes().serviceAccount().split("/", 2)[0];
        return new KubernetesDatasets(kubernetes.get(), datasets, new KubernetesDatasets.Options(d.namespace(),
                d.storageClass().or(settings::storageClass).orElse(null), d.size(),
                io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(
                        new io.fabric8.kubernetes.api.model.Quantity(d.maxDumpSize())).longValueExact(), images,
                settings.pullSecret().filter(s -> !s.isBlank()).map(s -> own + "/" + s).orElse(null)));
    }

    private EnvironmentRuntime build(String name) {
        RuntimeConfig.Runtime runtime = config.runtime();
        List<String> hostSuffixes = config.allowedHostSuffixes().orElse(List.of());
        return switch (name) {
            case "docker" -> {
                RuntimeConfig.DockerDefaults defaults = runtime.docker();
                RuntimeConfig.Router router = config.router();
                yield new DockerRuntime(docker.get(), runtime.readinessTimeout(), new ContainerLimits(
                        ContainerLimits.bytes(defaults.defaultMemory()),
                        ContainerLimits.nanoCpus(defaults.defaultCpu()),
                        defaults.defaultPids()), secrets::open,
                        router.adminUrl().filter(a -> !a.isBlank()).map(a -> new CaddyRouter(java.net.URI.create(a),
                                router.server(), router.baseDomain(), router.scheme(), router.publicPort(),
                                hostSuffixes, router.selfAddress().orElse(null))).orElse(null), datasets());
            }
            case "kubernetes" -> {
                RuntimeConfig.KubernetesIngress ingress = runtime.kubernetes();
                yield new KubernetesRuntime(kubernetes.get(), runtime.readinessTimeout(),
                        ingress.ingressClass().orElse(null), new IngressTls(ingress.tlsSecret().orElse(null),
                                ingress.clusterIssuer().orElse(null)), ingress.pullSecret().orElse(null),
                        ingress.storageClass().orElse(null), secrets::open, config.kubernetes().policy(hostSuffixes),
                        kubernetesDatasets(ingress));
            }
            default -> throw new IllegalArgumentException("runtime '" + name + "' is not one of " + KNOWN);
        };
    }
}
