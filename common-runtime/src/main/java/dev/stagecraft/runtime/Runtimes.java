package dev.stagecraft.runtime;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.runtime.docker.DockerRuntime;
import dev.stagecraft.runtime.docker.ContainerLimits;
import dev.stagecraft.runtime.router.CaddyRouter;
import dev.stagecraft.runtime.kubernetes.IngressTls;
import dev.stagecraft.runtime.kubernetes.KubernetesRuntime;
import dev.stagecraft.runtime.kubernetes.NamespaceConfig;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The runtimes this installation offers ({@code stagecraft.runtime.enabled}: docker, kubernetes or both) and the
 * default one for specs that name none. An application chooses its runtime when it is registered; the choice
 * travels in its environments' spec and in TeardownRequested.
 */
@ApplicationScoped
public class Runtimes {

    public static final List<String> KNOWN = List.of("docker", "kubernetes");

    @ConfigProperty(name = "stagecraft.runtime.enabled", defaultValue = "docker")
    List<String> enabled;

    @ConfigProperty(name = "stagecraft.runtime.default", defaultValue = "docker")
    String defaultRuntime;

    @ConfigProperty(name = "stagecraft.runtime.docker.default-memory", defaultValue = "512Mi")
    String defaultMemory;

    @ConfigProperty(name = "stagecraft.runtime.docker.default-cpu", defaultValue = "1")
    String defaultCpu;

    @ConfigProperty(name = "stagecraft.runtime.docker.default-pids", defaultValue = "512")
    long defaultPids;

    /** Caddy's admin API; unset: no router, endpoints are the services' addresses on their networks. */
    @ConfigProperty(name = "stagecraft.router.admin-url")
    Optional<String> routerAdmin;

    @ConfigProperty(name = "stagecraft.router.server", defaultValue = "stagecraft")
    String routerServer;

    @ConfigProperty(name = "stagecraft.router.base-domain", defaultValue = "localhost")
    String routerBaseDomain;

    @ConfigProperty(name = "stagecraft.router.scheme", defaultValue = "http")
    String routerScheme;

    @ConfigProperty(name = "stagecraft.router.public-port", defaultValue = "80")
    int routerPort;

    @ConfigProperty(name = "stagecraft.runtime.readiness-timeout", defaultValue = "PT2M")
    Duration readinessTimeout;

    @ConfigProperty(name = "stagecraft.runtime.kubernetes.ingress-class")
    Optional<String> ingressClass;

    @ConfigProperty(name = "stagecraft.runtime.kubernetes.tls-secret")
    Optional<String> tlsSecret;

    @ConfigProperty(name = "stagecraft.runtime.kubernetes.cluster-issuer")
    Optional<String> clusterIssuer;

    /** The registry pull Secret of the Stagecraft namespace, copied into every environment namespace. */
    @ConfigProperty(name = "stagecraft.runtime.kubernetes.pull-secret")
    Optional<String> pullSecret;

    @ConfigProperty(name = "stagecraft.runtime.kubernetes.storage-class")
    Optional<String> storageClass;

    /** Domain suffixes a template's host names must end with (besides the router's own domain on Docker). */
    @ConfigProperty(name = "stagecraft.allowed-host-suffixes")
    Optional<List<String>> hostSuffixes;

    @Inject
    NamespaceConfig namespaces;

    @Inject
    Instance<DockerClient> docker;

    @Inject
    Instance<KubernetesClient> kubernetes;

    @Inject
    SecretBox secrets;

    private final Map<String, EnvironmentRuntime> built = new ConcurrentHashMap<>();

    /** The runtime called {@code name}, or the default for null. */
    public EnvironmentRuntime of(String name) {
        String wanted = name == null || name.isBlank() ? defaultRuntime : name;
        if (!enabled.contains(wanted)) {
            throw new IllegalArgumentException("runtime '" + wanted + "' is not enabled in this installation; enabled: "
                    + enabled + " (stagecraft.runtime.enabled)");
        }
        return built.computeIfAbsent(wanted, this::build);
    }

    /** Every enabled runtime by name. */
    public Map<String, EnvironmentRuntime> enabled() {
        Map<String, EnvironmentRuntime> all = new LinkedHashMap<>();
        enabled.forEach(name -> all.put(name, of(name)));
        return all;
    }

    private EnvironmentRuntime build(String name) {
        return switch (name) {
            case "docker" -> new DockerRuntime(docker.get(), readinessTimeout, new ContainerLimits(
                    ContainerLimits.bytes(defaultMemory), ContainerLimits.nanoCpus(defaultCpu), defaultPids), secrets::open,
                    routerAdmin.filter(a -> !a.isBlank()).map(a -> new CaddyRouter(java.net.URI.create(a), routerServer,
                            routerBaseDomain, routerScheme, routerPort, hostSuffixes.orElse(List.of()))).orElse(null));
            case "kubernetes" -> new KubernetesRuntime(kubernetes.get(), readinessTimeout, ingressClass.orElse(null),
                    new IngressTls(tlsSecret.orElse(null), clusterIssuer.orElse(null)), pullSecret.orElse(null),
                    storageClass.orElse(null), secrets::open,
                    namespaces.policy(hostSuffixes.orElse(List.of())));
            default -> throw new IllegalArgumentException("runtime '" + name + "' is not one of " + KNOWN);
        };
    }
}
