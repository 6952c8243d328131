package dev.stagecraft.runtime.kubernetes;

import java.util.List;

import io.smallrye.config.WithDefault;

/**
 * {@code stagecraft.kubernetes.*}, a part of {@code RuntimeConfig}: the fences of every environment namespace (see
 * {@link NamespacePolicy}); each key also reads from its environment variable, e.g.
 * {@code STAGECRAFT_KUBERNETES_QUOTA_CPU}.
 */
public interface NamespaceConfig {

    /** The ingress controller's namespace, the only one allowed to reach environment pods from outside. */
    @WithDefault("ingress-nginx")
    String ingressNamespace();

    /** Networks environment pods may not reach: the cluster's pod, service and node networks. */
    @WithDefault("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16")
    List<String> egressExcept();

    Quota quota();

    /** The runtime's own ServiceAccount, {@code namespace/name}: bound to the environment role per namespace. */
    @WithDefault("stagecraft/stagecraft-runtime")
    String serviceAccount();

    /** Limit of a container that sets none (LimitRange). */
    @WithDefault("1")
    String defaultCpu();

    @WithDefault("512Mi")
    String defaultMemory();

    /** The ResourceQuota of each environment namespace. */
    interface Quota {

        @WithDefault("8")
        String cpu();

        @WithDefault("16Gi")
        String memory();

        @WithDefault("50")
        int pods();

        @WithDefault("50Gi")
        String storage();

        @WithDefault("10")
        int claims();
    }

    default NamespacePolicy policy(List<String> hostSuffixes) {
        return new NamespacePolicy(ingressNamespace(), egressExcept(), quota().cpu(), quota().memory(), quota().pods(),
                quota().storage(), quota().claims(), defaultCpu(), defaultMemory(), hostSuffixes, serviceAccount());
    }
}
