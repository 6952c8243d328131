package dev.stagecraft.runtime.kubernetes;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;

/** The kinds of object an environment's namespace holds, in the order teardown deletes them. */
enum Kind {

    INGRESS("ingress"), SERVICE("service"), DEPLOYMENT("deployment"), JOB("job"), POD("pod"),
    CLAIM("persistentvolumeclaim"), CONFIG_MAP("configmap"), SECRET("secret"), NETWORK_POLICY("networkpolicy"),
    QUOTA("resourcequota"), LIMIT_RANGE("limitrange");

    /**
     * The kinds Stagecraft creates, which teardown deletes by label. It creates no ConfigMap: those are only looked
     * at for objects it did not create (and go with the namespace), so its role needs no right to change them.
     */
    static final List<Kind> MADE = Arrays.stream(values()).filter(k -> k != CONFIG_MAP).toList();

    final String label;

    Kind(String label) {
        this.label = label;
    }

    List<? extends HasMetadata> list(KubernetesClient client, String namespace, Map<String, String> labels) {
        return switch (this) {
            case INGRESS -> client.network().v1().ingresses().inNamespace(namespace).withLabels(labels).list().getItems();
            case SERVICE -> client.services().inNamespace(namespace).withLabels(labels).list().getItems();
            case DEPLOYMENT -> client.apps().deployments().inNamespace(namespace).withLabels(labels).list().getItems();
            case JOB -> client.batch().v1().jobs().inNamespace(namespace).withLabels(labels).list().getItems();
            case POD -> client.pods().inNamespace(namespace).withLabels(labels).list().getItems();
            case CLAIM -> client.persistentVolumeClaims().inNamespace(namespace).withLabels(labels).list().getItems();
            case CONFIG_MAP -> client.configMaps().inNamespace(namespace).withLabels(labels).list().getItems();
            case SECRET -> client.secrets().inNamespace(namespace).withLabels(labels).list().getItems();
            case NETWORK_POLICY -> client.network().v1().networkPolicies().inNamespace(namespace).withLabels(labels)
                    .list().getItems();
            case QUOTA -> client.resourceQuotas().inNamespace(namespace).withLabels(labels).list().getItems();
            case LIMIT_RANGE -> client.limitRanges().inNamespace(namespace).withLabels(labels).list().getItems();
        };
    }

    List<? extends HasMetadata> listAll(KubernetesClient client, String namespace) {
        return list(client, namespace, Map.of());
    }

    Resource<? extends HasMetadata> resource(KubernetesClient client, String namespace, String name) {
        return switch (this) {
            case INGRESS -> client.network().v1().ingresses().inNamespace(namespace).withName(name);
            case SERVICE -> client.services().inNamespace(namespace).withName(name);
            case DEPLOYMENT -> client.apps().deployments().inNamespace(namespace).withName(name);
            case JOB -> client.batch().v1().jobs().inNamespace(namespace).withName(name);
            case POD -> client.pods().inNamespace(namespace).withName(name);
            case CLAIM -> client.persistentVolumeClaims().inNamespace(namespace).withName(name);
            case CONFIG_MAP -> client.configMaps().inNamespace(namespace).withName(name);
            case SECRET -> client.secrets().inNamespace(namespace).withName(name);
            case NETWORK_POLICY -> client.network().v1().networkPolicies().inNamespace(namespace).withName(name);
            case QUOTA -> client.resourceQuotas().inNamespace(namespace).withName(name);
            case LIMIT_RANGE -> client.limitRanges().inNamespace(namespace).withName(name);
        };
    }

    void delete(KubernetesClient client, String namespace, String name) {
        resource(client, namespace, name).delete();
    }
}
