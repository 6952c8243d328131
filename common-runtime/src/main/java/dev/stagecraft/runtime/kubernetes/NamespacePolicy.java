package dev.stagecraft.runtime.kubernetes;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.VolumeSpec;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What every environment namespace is held to: its network isolation (traffic only inside the namespace and from
 * the ingress controller's namespace; egress to DNS and to addresses outside {@code egressExcept}, which covers the
 * cluster's own networks, the API server and the Stagecraft namespace included), its ResourceQuota and LimitRange,
 * and the host name suffixes an Ingress may use. {@link #check} refuses a spec that could not fit, before anything
 * is created.
 *
 * @param ingressNamespace the namespace of the ingress controller, allowed to reach every pod
 * @param egressExcept     CIDRs no pod may reach (besides DNS in kube-system)
 * @param quotaCpu         limits.cpu of the namespace; also the requests.cpu quota
 * @param quotaMemory      limits.memory and requests.memory of the namespace
 * @param quotaPods        pods
 * @param quotaStorage     requests.storage (sum of the claims)
 * @param quotaClaims      persistentvolumeclaims
 * @param defaultCpu       LimitRange default limit of a container that sets none
 * @param defaultMemory    LimitRange default memory limit
 * @param hostSuffixes     domain suffixes an Ingress host must end with (empty: a template may name no host)
 * @param serviceAccount   {@code namespace/name} of the runtime's ServiceAccount, bound to the environment role in
 *                         each environment namespace (and nowhere else)
 */
public record NamespacePolicy(String ingressNamespace, List<String> egressExcept, String quotaCpu, String quotaMemory,
        int quotaPods, String quotaStorage, int quotaClaims, String defaultCpu, String defaultMemory,
        List<String> hostSuffixes, String serviceAccount) {

    public static final List<String> PRIVATE_NETWORKS = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "100.64.0.0/10", "169.254.0.0/16");

    public NamespacePolicy {
        egressExcept = egressExcept == null ? List.of() : List.copyOf(egressExcept);
        hostSuffixes = hostSuffixes == null ? List.of() : hostSuffixes.stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", "")).filter(s -> !s.isEmpty()).toList();
    }

    /** The defaults of the configuration ({@code stagecraft.kubernetes.*}), with host names under {@code suffixes}. */
    public static NamespacePolicy defaults(List<String> suffixes) {
        return new NamespacePolicy("ingress-nginx", PRIVATE_NETWORKS, "8", "16Gi", 50, "50Gi", 10, "1", "512Mi",
                suffixes, "stagecraft/stagecraft-runtime");
    }

    /** Why the spec cannot run in a namespace under this policy, or null when it can. */
    public String check(EnvironmentSpec spec) {
        List<String> problems = new ArrayList<>();
        spec.hostnames().forEach((service, host) -> {
            String problem = hostProblem(host);
            if (problem != null) {
                problems.add("service '" + service + "': " + problem);
            }
        });
        BigDecimal cpu = BigDecimal.ZERO;
        BigDecimal memory = BigDecimal.ZERO;
        int pods = 0;
        for (ServiceSpec s : spec.services()) {
            String cpuLimit = s.resources() != null && s.resources().cpuLimit() != null ? s.resources().cpuLimit()
                    : defaultCpu;
            String memoryLimit = s.resources() != null && s.resources().memoryLimit() != null
                    ? s.resources().memoryLimit() : defaultMemory;
            cpu = cpu.add(amount(cpuLimit).multiply(BigDecimal.valueOf(s.replicas())));
            memory = memory.add(amount(memoryLimit).multiply(BigDecimal.valueOf(s.replicas())));
            pods += s.replicas();
        }
        if (cpu.compareTo(amount(quotaCpu)) > 0) {
            problems.add("the services' replicas need " + cpu.stripTrailingZeros().toPlainString() + " CPU at their"
                    + " limits; an environment may use " + quotaCpu + " (STAGECRAFT_KUBERNETES_QUOTA_CPU)");
        }
        if (memory.compareTo(amount(quotaMemory)) > 0) {
            problems.add("the services' replicas need " + human(memory) + " of memory at their limits; an environment"
                    + " may use " + quotaMemory + " (STAGECRAFT_KUBERNETES_QUOTA_MEMORY)");
        }
        if (pods > quotaPods) {
            problems.add(pods + " replicas in all; an environment may run " + quotaPods
                    + " pods (STAGECRAFT_KUBERNETES_QUOTA_PODS)");
        }
        BigDecimal storage = BigDecimal.ZERO;
        int claims = 0;
        for (EnvironmentSpec.SharedVolumeSpec shared : spec.sharedVolumes()) {
            storage = storage.add(amount(shared.size() == null ? "1Gi" : shared.size()));
            claims++;
        }
        for (ServiceSpec s : spec.services()) {
            for (VolumeSpec v : s.volumes()) {
                if ("persistent".equalsIgnoreCase(v.type()) && v.claim() == null) {
                    storage = storage.add(amount(v.size() == null ? "1Gi" : v.size()));
                    claims++;
                }
            }
        }
        if (storage.compareTo(amount(quotaStorage)) > 0) {
            problems.add("the volumes claim " + human(storage) + "; an environment may claim " + quotaStorage
                    + " (STAGECRAFT_KUBERNETES_QUOTA_STORAGE)");
        }
        if (claims > quotaClaims) {
            problems.add(claims + " volume claims; an environment may have " + quotaClaims
                    + " (STAGECRAFT_KUBERNETES_QUOTA_CLAIMS)");
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Why an Ingress may not use {@code host}, or null. */
    String hostProblem(String host) {
        String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        if (!h.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+")) {
            return "host name '" + host + "' is not a DNS name";
        }
        for (String suffix : hostSuffixes) {
            if (h.endsWith("." + suffix)) {
                return null;
            }
        }
        return "host name '" + host + "' is not under an allowed domain suffix: "
                + (hostSuffixes.isEmpty() ? "none is configured" : String.join(", ", hostSuffixes))
                + " (STAGECRAFT_ALLOWED_HOST_SUFFIXES)";
    }

    private static BigDecimal amount(String quantity) {
        return Quantity.getAmountInBytes(new Quantity(quantity));
    }

    private static String human(BigDecimal bytes) {
        BigDecimal gi = BigDecimal.valueOf(1024L * 1024 * 1024);
        return bytes.divide(gi, 2, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "Gi";
    }
}
