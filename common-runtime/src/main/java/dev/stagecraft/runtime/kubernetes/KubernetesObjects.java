package dev.stagecraft.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.ProbeSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.VolumeSpec;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.runtime.Labels;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;

/**
 * The Kubernetes objects of one environment, built from its spec; every one labelled with the managed-by and
 * environment labels, and (Deployments, Secrets) annotated with a hash of what they say so a converge can tell
 * whether anything changed.
 */
final class KubernetesObjects {

    static final String CONFIG_HASH = "stagecraft.dev/config-hash";
    static final String JOB = Labels.JOB;
    static final String VARIABLES_SECRET = "stagecraft-variables";
    static final String SPEC_SECRET = "stagecraft-spec";
    /** On a paused Deployment: the replicas it had before the pause scaled it to 0, which a resume gives back. */
    static final String PAUSED_REPLICAS = "stagecraft.dev/paused-replicas";

    private KubernetesObjects() {
    }

    /** A DNS-1123 label of at most 63 characters, unique per environment id: sc-<id>, hashed when too long. */
    static String namespaceOf(String environmentId) {
        String slug = environmentId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        String name = "sc-" + slug;
        if (name.length() > 63) {
            String hash = SpecHash.sha256(environmentId).substring(0, 10);
            name = (name.substring(0, 52) + "-" + hash).replaceAll("-+", "-");
        }
        return name.replaceAll("-+$", "");
    }

    static Map<String, String> labels(String environmentId) {
        return Labels.forEnvironment(environmentId);
    }

    static Map<String, String> serviceLabels(String environmentId, String service) {
        Map<String, String> labels = labels(environmentId);
        labels.put(Labels.SERVICE, service);
        return labels;
    }

    static ObjectMeta meta(String name, String namespace, Map<String, String> labels, String hash) {
        ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels);
        if (hash != null) {
            meta.withAnnotations(new java.util.HashMap<>(Map.of(CONFIG_HASH, hash)));
        }
        return meta.build();
    }

    static final String POD_SECURITY = "pod-security.kubernetes.io/";
    static final String ISOLATION_POLICY = "stagecraft-isolation";
    static final String QUOTA = "stagecraft-quota";
    static final String LIMITS = "stagecraft-limits";

    /**
     * The environment's namespace, with Pod Security admission labels: {@code restricted} enforced, or
     * {@code baseline} when a service opts out of running as non-root ({@code run_as_root}); warnings and audit at
     * {@code restricted} either way.
     */
    static Namespace namespace(String environmentId, String application, EnvironmentSpec spec) {
        Map<String, String> labels = labels(environmentId);
        labels.put(Labels.APPLICATION, application);
        labels.putAll(podSecurityLabels(spec));
        return new NamespaceBuilder().withMetadata(new ObjectMetaBuilder().withName(namespaceOf(environmentId))
                .withLabels(labels).build()).build();
    }

    static Map<String, String> podSecurityLabels(EnvironmentSpec spec) {
        boolean root = spec.services().stream().anyMatch(ServiceSpec::runAsRoot);
        return Map.of(POD_SECURITY + "enforce", root ? "baseline" : "restricted",
                POD_SECURITY + "enforce-version", "latest", POD_SECURITY + "warn", "restricted",
                POD_SECURITY + "audit", "restricted");
    }

    /** ConfigMaps a control plane publishes into every namespace (Kubernetes, OpenShift). */
    static final java.util.Set<String> CONTROL_PLANE_CONFIG_MAPS = java.util.Set.of("kube-root-ca.crt",
            "openshift-service-ca.crt");

    /**
     * Whether the cluster itself put the object into the namespace (the root CA ConfigMap every namespace gets):
     * such an object does not make a namespace foreign, and goes with it.
     */
    static boolean putThereByTheControlPlane(Kind kind, io.fabric8.kubernetes.api.model.HasMetadata o) {
        return kind == Kind.CONFIG_MAP && CONTROL_PLANE_CONFIG_MAPS.contains(o.getMetadata().getName());
    }

    static final String ENVIRONMENT_ROLE = "stagecraft-environment";
    static final String RUNTIME_BINDING = "stagecraft-runtime";

    /**
     * Grants the runtime's ServiceAccount ({@code namespace/name}) the ClusterRole {@value #ENVIRONMENT_ROLE} inside
     * this environment's namespace only: the runtime holds no right to Secrets or workloads anywhere else.
     */
    static RoleBinding runtimeBinding(String environmentId, String serviceAccount) {
        String[] account = serviceAccount.split("/", 2);
        return new RoleBindingBuilder().withMetadata(meta(RUNTIME_BINDING, namespaceOf(environmentId),
                labels(environmentId), null)).withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole").withName(ENVIRONMENT_ROLE).endRoleRef().addNewSubject()
                .withKind("ServiceAccount").withNamespace(account[0]).withName(account[1]).endSubject().build();
    }

    /**
     * Default deny, then: ingress from the namespace's own pods and from the ingress controller's namespace; egress to
     * the namespace's own pods, to DNS in kube-system, and to any address outside the excepted networks (the
     * cluster's pod, service and node networks, so neither the API server nor the Stagecraft namespace nor another
     * environment is reachable).
     */
    static NetworkPolicy isolation(String environmentId, NamespacePolicy policy) {
        var ns = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder();
        var builder = new NetworkPolicyBuilder()
                .withMetadata(meta(ISOLATION_POLICY, namespaceOf(environmentId), labels(environmentId),
                        SpecHash.sha256(policy.ingressNamespace() + "|" + policy.egressExcept())))
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress", "Egress")
                .addNewIngress().addNewFrom().withNewPodSelector().endPodSelector().endFrom()
                .addNewFrom().withNamespaceSelector(ns.withMatchLabels(Map.of("kubernetes.io/metadata.name",
                        policy.ingressNamespace())).build()).endFrom().endIngress()
                .addNewEgress().addNewTo().withNewPodSelector().endPodSelector().endTo().endEgress()
                .addNewEgress().addNewTo().withNewNamespaceSelector().withMatchLabels(Map.of(
                        "kubernetes.io/metadata.name", "kube-system")).endNamespaceSelector().withNewPodSelector()
                .withMatchLabels(Map.of("k8s-app", "kube-dns")).endPodSelector().endTo()
                .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(53)).endPort().endEgress()
                .addNewEgress().addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").withExcept(policy.egressExcept())
                .endIpBlock().endTo().endEgress()
                .endSpec();
        return builder.build();
    }

    static ResourceQuota quota(String environmentId, NamespacePolicy policy) {
        Map<String, Quantity> hard = new TreeMap<>();
        hard.put("limits.cpu", new Quantity(policy.quotaCpu()));
        hard.put("requests.cpu", new Quantity(policy.quotaCpu()));
        hard.put("limits.memory", new Quantity(policy.quotaMemory()));
        hard.put("requests.memory", new Quantity(policy.quotaMemory()));
        hard.put("pods", new Quantity(Integer.toString(policy.quotaPods())));
        hard.put("requests.storage", new Quantity(policy.quotaStorage()));
        hard.put("persistentvolumeclaims", new Quantity(Integer.toString(policy.quotaClaims())));
        return new ResourceQuotaBuilder().withMetadata(meta(QUOTA, namespaceOf(environmentId), labels(environmentId),
                SpecHash.sha256(hard.toString()))).withNewSpec().withHard(hard).endSpec().build();
    }

    /** Limits and requests for containers that set none, so every pod fits the quota's accounting. */
    static LimitRange limits(String environmentId, NamespacePolicy policy) {
        Map<String, Quantity> limit = Map.of("cpu", new Quantity(policy.defaultCpu()), "memory",
                new Quantity(policy.defaultMemory()));
        Map<String, Quantity> request = Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi"));
        return new LimitRangeBuilder().withMetadata(meta(LIMITS, namespaceOf(environmentId), labels(environmentId),
                SpecHash.sha256(limit + "|" + request))).withNewSpec().addNewLimit().withType("Container")
                .withDefault(limit).withDefaultRequest(request).endLimit().endSpec().build();
    }

    /** A pod's {@code imagePullSecrets}: the copy of the registry pull Secret, or none. */
    private static List<LocalObjectReference> pullSecrets(String pullSecret) {
        return pullSecret == null ? List.of() : List.of(new LocalObjectReference(pullSecret));
    }

    /** Pod-level security of the restricted profile; {@code root} leaves out only runAsNonRoot. */
    static PodSecurityContext podSecurity(boolean root) {
        PodSecurityContextBuilder pod = new PodSecurityContextBuilder().withNewSeccompProfile()
                .withType("RuntimeDefault").endSeccompProfile();
        if (!root) {
            pod.withRunAsNonRoot(true);
        }
        return pod.build();
    }

    /** Container-level security of the restricted profile: no privilege escalation, every capability dropped. */
    static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().withNewSeccompProfile()
                .withType("RuntimeDefault").endSeccompProfile().build();
    }

    /**
     * The environment's variables, opened, in a Secret every container reads whole ({@code envFrom}): variables
     * meant for every service. A service's or job's own sealed values are in a Secret of its own
     * ({@link #ownSecret}), which no other container refers to: secret values are never in a ConfigMap or a
     * Deployment, and no service sees another's.
     */
    static Secret variables(String environmentId, EnvironmentSpec spec, UnaryOperator<String> opener) {
        return variables(environmentId, spec, opener, Map.of());
    }

    /** The environment's variables and {@code more} (the connection variables of its dataset copies), opened. */
    static Secret variables(String environmentId, EnvironmentSpec spec, UnaryOperator<String> opener,
            Map<String, String> more) {
        Map<String, String> data = new TreeMap<>();
        spec.variables().forEach((k, v) -> data.put(k, base64(opener.apply(v))));
        more.forEach((k, v) -> data.put(k, base64(v)));
        return new SecretBuilder().withMetadata(meta(VARIABLES_SECRET, namespaceOf(environmentId),
                labels(environmentId), SpecHash.sha256(data.toString()))).withType("Opaque").withData(data).build();
    }

    /**
     * The name of the Secret holding the sealed values of {@code owner}'s own variables: {@code service-<name>} or
     * {@code job-<name>}.
     */
    static String ownSecretName(String owner) {
        return "stagecraft-" + owner;
    }

    /** The label of a Secret of one service's or job's own values: {@code service-<name>} or {@code job-<name>}. */
    static final String OWNER = "stagecraft.dev/owner";

    static String serviceOwner(String service) {
        return "service-" + service;
    }

    static String jobOwner(String job) {
        return "job-" + job;
    }

    /** The opened values of {@code owner}'s own sealed variables (a service's or a job's); null when it has none. */
    static Secret ownSecret(String environmentId, String owner, Map<String, String> envs,
            UnaryOperator<String> opener) {
        Map<String, String> data = new TreeMap<>();
        envs.forEach((k, v) -> {
            if (!opener.apply(v).equals(v)) {
                data.put(k, base64(opener.apply(v)));
            }
        });
        if (data.isEmpty()) {
            return null;
        }
        Map<String, String> labels = labels(environmentId);
        labels.put(OWNER, owner);
        return new SecretBuilder().withMetadata(meta(ownSecretName(owner), namespaceOf(environmentId), labels,
                SpecHash.sha256(data.toString()))).withType("Opaque").withData(data).build();
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The spec as deployed (secret values still sealed), so teardown knows the teardown workflow and its jobs. */
    static Secret spec(String environmentId, String specJson) {
        return new SecretBuilder().withMetadata(meta(SPEC_SECRET, namespaceOf(environmentId), labels(environmentId),
                SpecHash.sha256(specJson))).withType("Opaque")
                .withStringData(Map.of("spec.json", specJson)).build();
    }

    /** A service's Deployment; its pods pull with {@code pullSecret} (the copy in the namespace) unless it is null. */
    static Deployment deployment(String environmentId, ServiceSpec service, String image, Map<String, String> envs,
            UnaryOperator<String> opener, String variablesHash, String pullSecret) {
        String namespace = namespaceOf(environmentId);
        Map<String, String> selector = serviceLabels(environmentId, service.name());
        Container container = container(service.name(), serviceOwner(service.name()), image, service.command(),
                service.args(), envs, opener,
                service.volumes());
        container.setSecurityContext(containerSecurity());
        container.setPorts(containerPorts(service));
        container.setReadinessProbe(probe(service.readinessProbe()));
        container.setLivenessProbe(probe(service.livenessProbe()));
        if (service.resources() != null) {
            var resources = new ResourceRequirementsBuilder();
            var r = service.resources();
            Map<String, Quantity> requests = new LinkedHashMap<>();
            Map<String, Quantity> limits = new LinkedHashMap<>();
            put(requests, "cpu", r.cpuRequest());
            put(requests, "memory", r.memoryRequest());
            put(limits, "cpu", r.cpuLimit());
            put(limits, "memory", r.memoryLimit());
            container.setResources(resources.withRequests(requests).withLimits(limits).build());
        }
        List<Volume> volumes = new ArrayList<>();
        for (VolumeSpec v : service.volumes()) {
            volumes.add(volume(environmentId, service.name(), v));
        }
        // a ReadWriteOnce claim attaches to one node: a rolling update's new pod elsewhere would wait on Multi-Attach
        boolean ownClaim = service.volumes().stream().anyMatch(v -> "persistent".equalsIgnoreCase(v.type())
                && v.claim() == null);
        Deployment d = new DeploymentBuilder()
                .withMetadata(meta(service.name(), namespace, selector, null))
                .withNewSpec().withReplicas(service.replicas())
                .withNewStrategy().withType(ownClaim ? "Recreate" : "RollingUpdate").endStrategy()
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(selector)
                // a change of the environment's variables rolls the pods, which read them at start
                .withAnnotations(Map.of(CONFIG_HASH + "-variables", variablesHash)).endMetadata()
                .withNewSpec().withContainers(container).withVolumes(volumes)
                .withImagePullSecrets(pullSecrets(pullSecret))
                .withSecurityContext(podSecurity(service.runAsRoot())).withAutomountServiceAccountToken(false)
                .endSpec().endTemplate().endSpec()
                .build();
        // the hash covers what the Deployment says (sealed values stay sealed in it), not its status; the pull
        // Secret only when there is one, so Deployments made before it existed keep their hash until it is set
        List<Object> described = new ArrayList<>(List.of(service, image, new TreeMap<>(envs), variablesHash));
        if (pullSecret != null) {
            described.add(pullSecret);
        }
        d.getMetadata().setAnnotations(Map.of(CONFIG_HASH, SpecHash.sha256(dev.stagecraft.events.cloudevents.EventJson
                .write(described))));
        return d;
    }

    private static void put(Map<String, Quantity> map, String key, String value) {
        if (value != null && !value.isBlank()) {
            map.put(key, new Quantity(value));
        }
    }

    static Container container(String name, String owner, String image, List<String> command, List<String> args,
            Map<String, String> envs, UnaryOperator<String> opener, List<VolumeSpec> volumes) {
        List<EnvVar> env = new ArrayList<>();
        new TreeMap<>(envs).forEach((k, v) -> {
            if (opener.apply(v).equals(v)) {
                env.add(new EnvVar(k, v, null));
            } else {
                env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName(k).withNewValueFrom()
                        .withNewSecretKeyRef(k, ownSecretName(owner), false).endValueFrom().build());
            }
        });
        List<VolumeMount> mounts = new ArrayList<>();
        for (VolumeSpec v : volumes) {
            mounts.add(new VolumeMountBuilder().withName(volumeName(v)).withMountPath(v.mountPath()).build());
        }
        return new ContainerBuilder().withName(name).withImage(image).withCommand(command).withArgs(args)
                .withEnv(env).withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef(VARIABLES_SECRET, false).build())
                .withVolumeMounts(mounts).build();
    }

    private static String volumeName(VolumeSpec v) {
        return v.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    }

    private static Volume volume(String environmentId, String service, VolumeSpec v) {
        VolumeBuilder volume = new VolumeBuilder().withName(volumeName(v));
        if (v.claim() != null) {
            return volume.withNewPersistentVolumeClaim(v.claim(), false).build();
        }
        if ("persistent".equalsIgnoreCase(v.type())) {
            return volume.withNewPersistentVolumeClaim(claimName(service, v), false).build();
        }
        return volume.withNewEmptyDir().endEmptyDir().build();
    }

    static String claimName(String service, VolumeSpec v) {
        return (service + "-" + volumeName(v)).replaceAll("-+", "-");
    }

    /** A service's own persistent volume: mounted by that service's one pod at a time (ReadWriteOnce). */
    static PersistentVolumeClaim claim(String environmentId, String name, String size, String storageClass) {
        return claim(environmentId, name, size, storageClass, "ReadWriteOnce");
    }

    /** A shared volume: mounted by the pods of several services, on any node (ReadWriteMany). */
    static PersistentVolumeClaim sharedClaim(String environmentId, String name, String size, String storageClass) {
        return claim(environmentId, name, size, storageClass, "ReadWriteMany");
    }

    private static PersistentVolumeClaim claim(String environmentId, String name, String size, String storageClass,
            String accessMode) {
        return new PersistentVolumeClaimBuilder()
                .withMetadata(meta(name, namespaceOf(environmentId), labels(environmentId), null))
                .withNewSpec().withAccessModes(accessMode).withStorageClassName(storageClass)
                .withNewResources().withRequests(Map.of("storage", new Quantity(size == null ? "1Gi" : size)))
                .endResources().endSpec().build();
    }

    private static List<io.fabric8.kubernetes.api.model.ContainerPort> containerPorts(ServiceSpec service) {
        List<io.fabric8.kubernetes.api.model.ContainerPort> ports = new ArrayList<>();
        for (int port : portsOf(service)) {
            ports.add(new io.fabric8.kubernetes.api.model.ContainerPortBuilder().withContainerPort(port).build());
        }
        return ports;
    }

    /** The container ports a service listens on, its main port first. */
    static List<Integer> portsOf(ServiceSpec service) {
        List<Integer> ports = new ArrayList<>();
        if (service.port() > 0) {
            ports.add(service.port());
        }
        service.ports().forEach(p -> {
            if (p.containerPort() > 0 && !ports.contains(p.containerPort())) {
                ports.add(p.containerPort());
            }
        });
        return ports;
    }

    private static Probe probe(ProbeSpec spec) {
        if (spec == null) {
            return null;
        }
        ProbeBuilder probe = new ProbeBuilder();
        if (spec.periodSeconds() > 0) {
            probe.withPeriodSeconds(spec.periodSeconds());
        }
        if (spec.timeoutSeconds() > 0) {
            probe.withTimeoutSeconds(spec.timeoutSeconds());
        }
        if (spec.failureThreshold() > 0) {
            probe.withFailureThreshold(spec.failureThreshold());
        }
        if (spec.initialDelaySeconds() > 0) {
            probe.withInitialDelaySeconds(spec.initialDelaySeconds());
        }
        switch (spec.kind() == null ? "" : spec.kind()) {
            case "exec" -> probe.withNewExec().withCommand(spec.command()).endExec();
            case "http_get", "http" -> probe.withNewHttpGet().withPath(spec.path() == null ? "/" : spec.path())
                    .withPort(new IntOrString(spec.port())).endHttpGet();
            default -> probe.withNewTcpSocket().withPort(new IntOrString(spec.port())).endTcpSocket();
        }
        return probe.build();
    }

    static Service service(String environmentId, ServiceSpec service) {
        List<ServicePort> ports = new ArrayList<>();
        for (int port : portsOf(service)) {
            ports.add(new ServicePortBuilder().withName("p" + port).withPort(servicePort(service, port))
                    .withTargetPort(new IntOrString(port)).build());
        }
        Map<String, String> selector = serviceLabels(environmentId, service.name());
        return new ServiceBuilder().withMetadata(meta(service.name(), namespaceOf(environmentId), selector,
                SpecHash.sha256(dev.stagecraft.events.cloudevents.EventJson.write(List.of(selector,
                        ports.stream().map(p -> p.getPort() + ":" + p.getTargetPort().getIntVal()).toList())))))
                .withNewSpec().withSelector(selector).withPorts(ports).endSpec().build();
    }

    /** The port a Service exposes for a container port: the template's node_port "port", or the same port. */
    static int servicePort(ServiceSpec service, int containerPort) {
        return service.ports().stream().filter(p -> p.containerPort() == containerPort && p.port() > 0)
                .map(EnvironmentSpec.PortSpec::port).findFirst().orElse(containerPort);
    }

    static Ingress ingress(String environmentId, String service, String host, int port, String ingressClass,
            IngressTls tls) {
        IngressBuilder ingress = new IngressBuilder()
                .withMetadata(meta(service, namespaceOf(environmentId), serviceLabels(environmentId, service),
                        SpecHash.sha256(String.join("|", host, Integer.toString(port), String.valueOf(ingressClass),
                                String.valueOf(tls)))))
                .withNewSpec().withIngressClassName(ingressClass)
                .addNewRule().withHost(host).withNewHttp().addNewPath().withPath("/").withPathType("Prefix")
                .withNewBackend().withNewService().withName(service).withNewPort().withNumber(port).endPort()
                .endService().endBackend().endPath().endHttp().endRule().endSpec();
        Ingress built = ingress.build();
        if (tls.enabled()) {
            built.getMetadata().getAnnotations().putAll(tls.ingressAnnotations());
            built.getSpec().setTls(List.of(new io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder()
                    .withHosts(host).withSecretName(tls.secretFor(service)).build()));
        }
        return built;
    }

    /**
     * A Secret of the Stagecraft namespace (the wildcard certificate, the registry pull credentials) copied into an
     * environment namespace under the same name and type; its hash follows the data, so a changed source replaces it.
     */
    static Secret copyOf(String environmentId, Secret source) {
        Map<String, String> data = new TreeMap<>(source.getData() == null ? Map.of() : source.getData());
        return new SecretBuilder().withMetadata(meta(source.getMetadata().getName(), namespaceOf(environmentId),
                labels(environmentId), SpecHash.sha256(data.toString()))).withType(source.getType())
                .withData(data).build();
    }

    static Job job(String environmentId, String name, JobSpec job, String image, Map<String, String> envs,
            UnaryOperator<String> opener, boolean root, String pullSecret) {
        Map<String, String> labels = labels(environmentId);
        labels.put(JOB, job.name());
        Container container = container(job.name(), jobOwner(job.name()), image, job.command(), job.args(), envs,
                opener, List.of());
        container.setSecurityContext(containerSecurity());
        JobBuilder built = new JobBuilder().withMetadata(meta(name, namespaceOf(environmentId), labels, null))
                .withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withContainers(container)
                .withImagePullSecrets(pullSecrets(pullSecret))
                .withSecurityContext(podSecurity(root)).withAutomountServiceAccountToken(false).endSpec().endTemplate()
                .endSpec();
        Job result = built.build();
        if (job.completedTimeoutSeconds() > 0) {
            result.getSpec().setActiveDeadlineSeconds((long) job.completedTimeoutSeconds());
        }
        return result;
    }

    /** The volume of a database service serving a dataset copy. */
    static final String DATASET_VOLUME = "dataset";

    /**
     * What the database service serving a dataset copy is told besides its own variables: where the cluster is and
     * whose it is (PostgreSQL's {@code PGDATA}, {@code POSTGRES_*}; for MySQL the official images' {@code MYSQL_*}
     * and {@code MARIADB_*}); the password is read from the variables Secret ({@code <DATASET>_DATABASE_PASSWORD},
     * {@code Engine.passwordVariables}), never written into the Deployment.
     */
    static Map<String, String> servingVariables(KubernetesDatasets.Checkout copy) {
        return copy.engine().servingVariables(copy.database(), copy.user());
    }

    /**
     * Mounts the environment's claim of the copy at the engine's data directory in the Deployment's container, runs
     * it as the copy's owner unless the service runs as root, and gives it the password; one pod at a time
     * (Recreate), as the copy is ReadWriteOnce.
     */
    static void serveDataset(Deployment d, KubernetesDatasets.Checkout copy, boolean root) {
        var pod = d.getSpec().getTemplate().getSpec();
        if (!root) {
            // the copy's files belong to the database user of the Jobs that made them (uid 999: postgres, or mysql in
            // the MariaDB image; the images' own user is root, which the restricted Pod Security profile refuses)
            SecurityContext security = pod.getContainers().get(0).getSecurityContext();
            security.setRunAsUser(KubernetesDatasets.POSTGRES_UID);
            security.setRunAsGroup(KubernetesDatasets.POSTGRES_UID);
        }
        List<Volume> volumes = new ArrayList<>(pod.getVolumes() == null ? List.of() : pod.getVolumes());
        volumes.add(new VolumeBuilder().withName(DATASET_VOLUME).withNewPersistentVolumeClaim(copy.claim(), false)
                .build());
        pod.setVolumes(volumes);
        Container container = pod.getContainers().get(0);
        List<VolumeMount> mounts = new ArrayList<>(container.getVolumeMounts());
        mounts.add(new VolumeMountBuilder().withName(DATASET_VOLUME).withMountPath(copy.engine().dataDirectory()).build());
        container.setVolumeMounts(mounts);
        List<EnvVar> env = new ArrayList<>(container.getEnv());
        for (String variable : copy.engine().passwordVariables()) {
            env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName(variable).withNewValueFrom()
                    .withNewSecretKeyRef(dev.stagecraft.runtime.datasets.ConnectionVariables.prefix(copy.dataset())
                            + "_PASSWORD", VARIABLES_SECRET, false).endValueFrom().build());
        }
        container.setEnv(env);
        d.getSpec().getStrategy().setType("Recreate");
    }
}
