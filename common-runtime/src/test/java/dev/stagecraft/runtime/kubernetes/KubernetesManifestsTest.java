package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.stagecraft.registry.RegistryAddress;
import dev.stagecraft.registry.RegistryCredentials;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** The manifests that run Stagecraft itself on a cluster hold together. */
class KubernetesManifestsTest {

    static KubernetesClient client;
    static List<HasMetadata> all;

    @BeforeAll
    static void load() throws Exception {
        // parsing only: this client never connects
        client = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("https://127.0.0.1:1").build()).build();
        all = Manifests.load(client);
    }

    @AfterAll
    static void close() {
        client.close();
    }

    private static Deployment deployment(String name) {
        return Manifests.of(all, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void theFiveServicesEachHaveADeploymentAndAServiceThatSelectsIt() {
        List<Deployment> deployments = Manifests.of(all, Deployment.class);
        assertEquals(Set.of("gateway-service", "build-service", "setup-service", "patch-service", "teardown-service"),
                Set.copyOf(deployments.stream().map(d -> d.getMetadata().getName()).toList()));
        for (Deployment d : deployments) {
            Service svc = Manifests.of(all, Service.class).stream()
                    .filter(s -> s.getMetadata().getName().equals(d.getMetadata().getName())).findFirst().orElseThrow();
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertTrue(podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet()),
                    svc.getMetadata().getName() + " selects its pods");
            int port = d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0).getContainerPort();
            assertEquals(port, svc.getSpec().getPorts().get(0).getTargetPort().getIntVal());
            assertEquals("/q/health/ready", d.getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getReadinessProbe().getHttpGet().getPath());
        }
    }

    /** Builds cannot drive their builder: dind's API is a unix socket shared by the pod's two containers only. */
    @Test
    void theBuildEngineIsReachedOnlyThroughAUnixSocketInThePod() {
        Deployment build = Manifests.of(all, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals("build-service")).findFirst().orElseThrow();
        var pod = build.getSpec().getTemplate().getSpec();
        assertFalse(Boolean.TRUE.equals(pod.getHostNetwork()), "never the host network");
        var dind = pod.getContainers().stream().filter(c -> c.getName().equals("dind")).findFirst().orElseThrow();
        List<String> dockerd = dindCommandLine(dind.getCommand(), dind.getArgs());
        assertTrue(dockerd.contains("--host=unix:///var/run/dind/docker.sock"), dockerd.toString());
        assertFalse(dockerd.stream().anyMatch(a -> a.contains("tcp://") || a.startsWith("--host=fd")),
                "no TCP listener: " + dockerd);
        assertTrue(dind.getPorts() == null || dind.getPorts().isEmpty());
        var service = pod.getContainers().get(0);
        assertEquals("unix:///var/run/dind/docker.sock", service.getEnv().stream()
                .filter(e -> e.getName().equals("DOCKER_HOST")).findFirst().orElseThrow().getValue());
        String socketVolume = dind.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/var/run/dind"))
                .findFirst().orElseThrow().getName();
        assertTrue(service.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(socketVolume)));
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(socketVolume) && v.getEmptyDir() != null),
                "the socket lives in the pod, in an emptyDir");
        ConfigMap config = Manifests.of(all, ConfigMap.class).get(0);
        assertFalse(config.getData().getOrDefault("DOCKER_HOST", "").startsWith("tcp:"));
    }

    /**
     * The command line dockerd gets in the docker:dind image. Without a command of its own the image runs
     * dockerd-entrypoint.sh with the container's args, and when those are empty or begin with an option it puts
     * {@code dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2375} (2376 with TLS) in front of them.
     */
    static List<String> dindCommandLine(List<String> command, List<String> args) {
        List<String> line = new ArrayList<>(command == null ? List.of() : command);
        line.addAll(args == null ? List.of() : args);
        if (command != null && !command.isEmpty()) {
            return line;
        }
        if (line.isEmpty() || line.get(0).startsWith("-")) {
            List<String> withDefaults = new ArrayList<>(List.of("dockerd", "--host=unix:///var/run/docker.sock",
                    "--host=tcp://0.0.0.0:2375"));
            withDefaults.addAll(line);
            return withDefaults;
        }
        return line;
    }

    /** From outside Stagecraft's namespace only the gateway's port is open; the stage services take no connection. */
    @Test
    void onlyTheGatewayIsOpenToOtherNamespaces() {
        var policy = Manifests.of(all, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class).stream()
                .filter(p -> p.getMetadata().getName().equals("stagecraft-services")).findFirst().orElseThrow();
        Set<String> selected = new HashSet<>(policy.getSpec().getPodSelector().getMatchExpressions().get(0)
                .getValues());
        Set<String> services = new HashSet<>();
        Manifests.of(all, Deployment.class).forEach(d -> services.add(d.getMetadata().getName()));
        assertEquals(services, selected, "every Stagecraft service is selected");
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        for (var rule : policy.getSpec().getIngress()) {
            boolean fromThisNamespace = rule.getFrom() != null && !rule.getFrom().isEmpty() && rule.getFrom().stream()
                    .allMatch(peer -> peer.getNamespaceSelector() == null && peer.getIpBlock() == null);
            boolean gatewayPortOnly = rule.getPorts() != null && rule.getPorts().stream()
                    .allMatch(port -> port.getPort().getIntVal() == 8080);
            // the Prometheus pods of a namespace that carries the scraper label, and nothing else (no IP blocks, no
            // namespace's every pod, no pods picked by their own labels in any namespace)
            boolean labelledScraper = rule.getFrom() != null && !rule.getFrom().isEmpty() && rule.getFrom().stream()
                    .allMatch(peer -> peer.getIpBlock() == null && peer.getNamespaceSelector() != null
                            && Map.of("stagecraft.dev/scrapes-metrics", "true").equals(
                                    peer.getNamespaceSelector().getMatchLabels())
                            && peer.getPodSelector() != null
                            && Map.of("app.kubernetes.io/name", "prometheus").equals(
                                    peer.getPodSelector().getMatchLabels()));
            assertTrue(fromThisNamespace || gatewayPortOnly || labelledScraper,
                    "a rule lets other namespaces in: " + rule);
        }
        Deployment gateway = Manifests.of(all, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals("gateway-service")).findFirst().orElseThrow();
        assertEquals(8080, gateway.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().get(0)
                .getContainerPort());
        Manifests.of(all, Deployment.class).stream().filter(d -> !d.getMetadata().getName().equals("gateway-service"))
                .forEach(d -> d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> assertTrue(
                        c.getPorts() == null || c.getPorts().stream().noneMatch(p -> p.getContainerPort() == 8080),
                        d.getMetadata().getName() + " listens on the gateway's port")));
    }

    @Test
    void theDindEntrypointsDefaultsAreModelled() {
        assertTrue(dindCommandLine(null, List.of("--group=2375")).contains("--host=tcp://0.0.0.0:2375"));
        assertEquals(List.of("dockerd", "--group=2375"), dindCommandLine(null, List.of("dockerd", "--group=2375")));
        assertEquals(List.of("dockerd", "-H", "unix:///x"),
                dindCommandLine(List.of("dockerd"), List.of("-H", "unix:///x")));
    }

    /**
     * Images go to a registry outside the cluster that the nodes reach over TLS (no cluster-internal name, which the
     * nodes could not resolve, and no plain HTTP): the build-service and the gateway log in to it with the push
     * Secret, mounted as the file STAGECRAFT_REGISTRY_AUTH_FILE names and given to no other service, and the runtime
     * copies the pull Secret the ConfigMap names, which its Role lets it read. Both are Docker config Secrets with a
     * login for the registry's host.
     */
    @Test
    void imagesGoToAnExternalRegistryOverTlsWithAPushAndAPullLogin() {
        ConfigMap config = Manifests.of(all, ConfigMap.class).get(0);
        RegistryAddress registry = RegistryAddress.parse(config.getData().get("STAGECRAFT_REGISTRY"),
                config.getData().get("STAGECRAFT_REGISTRY_SCHEME")).orElseThrow();
        assertFalse(registry.host().matches(".*\\.svc(\\.cluster\\.local)?(:[0-9]+)?|[^.]*(:[0-9]+)?"),
                "the nodes resolve the registry's name with their own DNS, not the cluster's: " + registry);
        assertEquals("https", registry.scheme());
        Deployment build = deployment("build-service");
        var dind = build.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("dind")).findFirst().orElseThrow();
        assertTrue(dind.getArgs().stream().noneMatch(a -> a.startsWith("--insecure-registry")), dind.getArgs()
                .toString());

        for (Deployment d : Manifests.of(all, Deployment.class)) {
            var pod = d.getSpec().getTemplate().getSpec();
            var container = pod.getContainers().get(0);
            String file = container.getEnv().stream().filter(e -> e.getName().equals("STAGECRAFT_REGISTRY_AUTH_FILE"))
                    .map(e -> e.getValue()).findFirst().orElse(null);
            var volume = pod.getVolumes() == null ? null : pod.getVolumes().stream().filter(v -> v.getSecret() != null
                    && v.getSecret().getSecretName().equals("stagecraft-registry-push")).findFirst().orElse(null);
            boolean logsIn = List.of("build-service", "gateway-service").contains(d.getMetadata().getName());
            assertEquals(logsIn, file != null, d.getMetadata().getName() + " reads the push login");
            assertEquals(logsIn, volume != null, d.getMetadata().getName() + " mounts the push Secret");
            if (logsIn) {
                var mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName()))
                        .findFirst().orElseThrow();
                assertEquals(mount.getMountPath() + "/.dockerconfigjson", file, "the file is the mounted Secret's key");
                assertEquals(Boolean.TRUE, mount.getReadOnly());
            }
        }
        assertTrue(dind.getVolumeMounts().stream().noneMatch(m -> m.getName().equals("registry-push")),
                "the engine builds run on never sees the login");

        String pull = config.getData().get("STAGECRAFT_REGISTRY_PULL_SECRET");
        assertEquals("stagecraft-registry-pull", pull);
        var role = Manifests.of(all, io.fabric8.kubernetes.api.model.rbac.Role.class).stream()
                .filter(r -> r.getMetadata().getName().equals("stagecraft-runtime-secrets")).findFirst().orElseThrow();
        assertTrue(role.getRules().get(0).getResourceNames().contains(pull), "the runtime may read " + pull);
        for (String name : List.of("stagecraft-registry-push", pull)) {
            Secret secret = Manifests.of(all, Secret.class).stream().filter(s -> s.getMetadata().getName().equals(name))
                    .findFirst().orElseThrow(() -> new AssertionError("no Secret " + name));
            assertEquals("stagecraft", secret.getMetadata().getNamespace());
            assertEquals("kubernetes.io/dockerconfigjson", secret.getType(), name);
            RegistryCredentials login = RegistryCredentials.fromDockerConfig(secret.getStringData()
                    .get(".dockerconfigjson"), registry.host(), name);
            assertEquals("replace-me", login.password(), name + " holds a placeholder to replace");
        }
    }

    /**
     * The runtime's cluster-wide rights (namespaces, RoleBindings) are held to sc-* namespaces and to binding only
     * the environment role to itself, by an admission policy that is bound with Deny.
     */
    @Test
    void anAdmissionPolicyKeepsTheRuntimesClusterWideRightsToItsOwnNamespaces() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode policy = null;
        com.fasterxml.jackson.databind.JsonNode binding = null;
        for (HasMetadata o : all) {
            var node = json.readTree(io.fabric8.kubernetes.client.utils.Serialization.asJson(o));
            if (!o.getMetadata().getName().equals("stagecraft-runtime-scope")) {
                continue;
            }
            if (o.getKind().equals("ValidatingAdmissionPolicy")) {
                policy = node;
            } else if (o.getKind().equals("ValidatingAdmissionPolicyBinding")) {
                binding = node;
            }
        }
        assertTrue(policy != null && binding != null, "deploy/kubernetes has the policy and its binding");
        assertEquals(policy.path("metadata").path("name").asText(), binding.path("spec").path("policyName").asText());
        assertEquals("Deny", binding.path("spec").path("validationActions").get(0).asText());
        assertEquals("Fail", policy.path("spec").path("failurePolicy").asText());
        assertTrue(policy.path("spec").path("matchConditions").get(0).path("expression").asText()
                .contains("system:serviceaccount:stagecraft:stagecraft-runtime"));
        Set<String> resources = new HashSet<>();
        policy.path("spec").path("matchConstraints").path("resourceRules")
                .forEach(r -> r.path("resources").forEach(x -> resources.add(x.asText())));
        assertEquals(Set.of("namespaces", "rolebindings"), resources);
        String rules = policy.path("spec").path("validations").toString();
        assertTrue(rules.contains("startsWith('sc-')") && rules.contains("stagecraft-environment"), rules);

        // evaluated as the API server does
        AdmissionPolicy scope = new AdmissionPolicy(policy);
        String ours = "{\"metadata\":{\"name\":\"sc-shop-pr-1\",\"labels\":{\"app.kubernetes.io/managed-by\":"
                + "\"stagecraft\"}}}";
        assertNull(scope.denies(RUNTIME_USER, "CREATE", "namespaces", null, ours, null));
        assertNull(scope.denies(RUNTIME_USER, "DELETE", "namespaces", null, null, ours));
        assertNotNull(scope.denies(RUNTIME_USER, "CREATE", "namespaces", null,
                "{\"metadata\":{\"name\":\"kube-system-2\",\"labels\":{\"app.kubernetes.io/managed-by\":"
                        + "\"stagecraft\"}}}", null));
        assertNotNull(scope.denies(RUNTIME_USER, "DELETE", "namespaces", null, null,
                "{\"metadata\":{\"name\":\"default\"}}"), "a namespace not the runtime's is not deleted");
        assertNull(scope.denies("admin", "DELETE", "namespaces", null, null, "{\"metadata\":{\"name\":\"default\"}}"),
                "others are not held by it");
        String roleBinding = "{\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"%s\"},\"subjects\":[{\"kind\":"
                + "\"ServiceAccount\",\"namespace\":\"stagecraft\",\"name\":\"stagecraft-runtime\"}]}";
        assertNull(scope.denies(RUNTIME_USER, "CREATE", "rolebindings", "sc-shop-pr-1",
                roleBinding.formatted("stagecraft-environment"), null));
        assertNotNull(scope.denies(RUNTIME_USER, "CREATE", "rolebindings", "sc-shop-pr-1",
                roleBinding.formatted("cluster-admin"), null), "no other role");
        assertNotNull(scope.denies(RUNTIME_USER, "CREATE", "rolebindings", "kube-system",
                roleBinding.formatted("stagecraft-environment"), null), "not outside sc-* namespaces");
    }

    static final String RUNTIME_USER = "system:serviceaccount:stagecraft:stagecraft-runtime";

    /**
     * The runtime's rights on PersistentVolumes (12-datasets.yaml) are cluster-wide; an admission policy holds its
     * updates and deletes to dataset volumes: a pool copy (its claim in the datasets namespace), which the checkout
     * takes by labelling it and binding it to an environment's claim, and a volume labelled as a dataset's.
     */
    @Test
    void anAdmissionPolicyKeepsTheRuntimesVolumeRightsToDatasetCopies() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode policy = null;
        boolean bound = false;
        for (HasMetadata o : all) {
            if (!o.getMetadata().getName().equals("stagecraft-runtime-volumes")) {
                continue;
            }
            var node = json.readTree(io.fabric8.kubernetes.client.utils.Serialization.asJson(o));
            if (o.getKind().equals("ValidatingAdmissionPolicy")) {
                policy = node;
            } else if (o.getKind().equals("ValidatingAdmissionPolicyBinding")) {
                bound = "Deny".equals(node.path("spec").path("validationActions").get(0).asText());
            }
        }
        assertNotNull(policy, "deploy/kubernetes/15-admission.yaml has the volumes policy");
        assertTrue(bound, "bound with Deny");
        assertTrue(policy.path("spec").toString().contains("'" + KubernetesDatasets.DEFAULT_NAMESPACE + "'"),
                "the policy names the datasets namespace the runtime uses by default");
        AdmissionPolicy volumes = new AdmissionPolicy(policy);
        String pooled = "{\"metadata\":{\"name\":\"pvc-1\"},\"spec\":{\"claimRef\":{\"namespace\":"
                + "\"stagecraft-datasets\",\"name\":\"shop-copy-1\"},\"persistentVolumeReclaimPolicy\":\"Delete\"}}";
        String taken = "{\"metadata\":{\"name\":\"pvc-1\",\"labels\":{\"stagecraft.dev/dataset\":\"shop\","
                + "\"stagecraft.dev/environment\":\"shop-pr-1\"}},\"spec\":{\"claimRef\":{\"namespace\":"
                + "\"sc-shop-pr-1\",\"name\":\"dataset-shop\"},\"persistentVolumeReclaimPolicy\":\"Retain\"}}";
        String released = taken.replace("Retain", "Delete");
        String foreign = "{\"metadata\":{\"name\":\"pvc-prod\"},\"spec\":{\"claimRef\":{\"namespace\":"
                + "\"payments\",\"name\":\"ledger\"}}}";
        // what the runtime does: take a pool copy, give it back Delete at teardown, delete it (teardown, sweep)
        assertNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null, taken, pooled));
        assertNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null, released, taken));
        assertNull(volumes.denies(RUNTIME_USER, "DELETE", "persistentvolumes", null, null, released));
        // what it must not: another volume, a copy stripped of its label or bound to a claim of another namespace
        assertEquals("the Stagecraft runtime may only change and delete the volumes of dataset copies",
                volumes.denies(RUNTIME_USER, "DELETE", "persistentvolumes", null, null, foreign));
        assertNotNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null, foreign.replace("\"pvc-prod\"",
                "\"pvc-prod\",\"labels\":{\"stagecraft.dev/dataset\":\"shop\"}"), foreign),
                "labelling another volume does not make it a dataset's");
        assertNotNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null, pooled, taken),
                "the label stays");
        assertNotNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null,
                taken.replace("sc-shop-pr-1", "payments"), pooled), "bound to a claim in an sc-* namespace only");
        assertNotNull(volumes.denies(RUNTIME_USER, "UPDATE", "persistentvolumes", null, taken.replace(
                "\"claimRef\":{\"namespace\":\"sc-shop-pr-1\",\"name\":\"dataset-shop\"},", ""), taken),
                "not unbound: the cluster could bind an unbound volume to any claim");
        assertNull(volumes.denies("system:serviceaccount:kube-system:persistent-volume-binder", "DELETE",
                "persistentvolumes", null, null, foreign), "the cluster's own controllers are not held by it");
    }

    /**
     * Each service connects as its own KafkaUser, and that user's ACLs grant what the service's channels use (read
     * its topics in its groups, write their dead-letter topics) and what it publishes: the stage services lifecycle
     * events and log lines, the gateway commands and lifecycle events. Only the gateway reads UI commands.
     */
    @Test
    void eachServiceIsItsOwnKafkaPrincipalWithTheAclsItsChannelsNeed() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, List<com.fasterxml.jackson.databind.JsonNode>> acls = new java.util.HashMap<>();
        for (HasMetadata o : all) {
            if (o.getKind().equals("KafkaUser")) {
                var node = json.readTree(io.fabric8.kubernetes.client.utils.Serialization.asJson(o));
                List<com.fasterxml.jackson.databind.JsonNode> list = new java.util.ArrayList<>();
                node.path("spec").path("authorization").path("acls").forEach(list::add);
                assertEquals("scram-sha-512", node.path("spec").path("authentication").path("type").asText());
                acls.put(o.getMetadata().getName(), list);
            }
        }
        for (Deployment d : Manifests.of(all, Deployment.class)) {
            String service = d.getMetadata().getName().replace("-service", "");
            var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
            String user = env.stream().filter(e -> e.getName().equals("STAGECRAFT_KAFKA_USER")).findFirst()
                    .orElseThrow().getValue();
            assertEquals("stagecraft-" + service, user);
            var password = env.stream().filter(e -> e.getName().equals("STAGECRAFT_KAFKA_PASSWORD")).findFirst()
                    .orElseThrow().getValueFrom().getSecretKeyRef();
            assertEquals(user, password.getName(), "the Secret Strimzi makes for the KafkaUser");
            List<com.fasterxml.jackson.databind.JsonNode> granted = acls.get(user);
            assertTrue(granted != null, "a KafkaUser " + user);

            java.util.Properties props = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("../" + service
                    + "-service/src/main/resources/application.properties"))) {
                props.load(in);
            }
            for (String key : props.stringPropertyNames()) {
                String value = props.getProperty(key);
                if (key.matches("mp\\.messaging\\.incoming\\.[^.]+\\.topic")) {
                    assertTrue(allows(granted, "topic", value, "Read"), user + " reads " + value);
                } else if (key.matches("mp\\.messaging\\.incoming\\.[^.]+\\.group\\.id")) {
                    assertTrue(allows(granted, "group", value.replace("${quarkus.uuid}", "any"), "Read"),
                            user + " consumes in group " + value);
                } else if (key.matches("mp\\.messaging\\.incoming\\.[^.]+\\.dead-letter-queue\\.topic")) {
                    assertTrue(allows(granted, "topic", value, "Write"), user + " writes " + value);
                }
            }
            List<String> publishes = service.equals("gateway")
                    ? List.of("stagecraft.build.commands", "stagecraft.setup.commands", "stagecraft.patch.commands",
                            "stagecraft.teardown.commands", "stagecraft.lifecycle")
                    : List.of("stagecraft.lifecycle", "stagecraft.logs");
            for (String topic : publishes) {
                assertTrue(allows(granted, "topic", topic, "Write"), user + " publishes to " + topic);
            }
            assertEquals(service.equals("gateway"), allows(granted, "topic", "stagecraft.ui.commands", "Read"),
                    user + " reading UI commands");
            assertTrue(!allows(granted, "topic", "stagecraft.ui.commands", "Write"), user + " writes no UI command");
            if (!service.equals("gateway")) {
                assertTrue(!allows(granted, "topic", "stagecraft.setup.commands", "Write"), user + " sends no command");
            }
        }
        assertTrue(allows(acls.get("stagecraft-ui"), "topic", "stagecraft.ui.commands", "Write"));
        assertEquals(1, acls.get("stagecraft-ui").size(), "a UI principal may do nothing else");
    }

    private static boolean allows(List<com.fasterxml.jackson.databind.JsonNode> acls, String type, String name,
            String operation) {
        for (var acl : acls) {
            var resource = acl.path("resource");
            boolean matches = resource.path("type").asText().equals(type)
                    && ("prefix".equals(resource.path("patternType").asText())
                            ? name.startsWith(resource.path("name").asText())
                            : name.equals(resource.path("name").asText()));
            boolean operates = false;
            for (var op : acl.path("operations")) {
                operates |= op.asText().equals(operation);
            }
            if (matches && operates) {
                return true;
            }
        }
        return false;
    }

    /**
     * The Stagecraft namespace carries Pod Security labels, and every service container meets "restricted"; only
     * the dind sidecar is privileged, which is why enforcement there is "privileged" while warnings stay "restricted".
     */
    @Test
    void theStagecraftNamespaceHasPodSecurityLabelsAndTheServicesMeetRestricted() {
        var namespace = Manifests.of(all, io.fabric8.kubernetes.api.model.Namespace.class).get(0);
        assertEquals("restricted", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/warn"));
        assertEquals("restricted", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/audit"));
        assertTrue(namespace.getMetadata().getLabels().containsKey("pod-security.kubernetes.io/enforce"));
        for (Deployment d : Manifests.of(all, Deployment.class)) {
            for (var c : d.getSpec().getTemplate().getSpec().getContainers()) {
                if (c.getName().equals("dind")) {
                    continue;
                }
                var security = c.getSecurityContext();
                assertTrue(security != null && Boolean.TRUE.equals(security.getRunAsNonRoot())
                        && Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())
                        && security.getCapabilities().getDrop().contains("ALL")
                        && "RuntimeDefault".equals(security.getSeccompProfile().getType()), c.getName());
            }
        }
    }

    @Test
    void onlyTheServicesThatRunTheRuntimeGetItsServiceAccount() {
        ClusterRoleBinding binding = Manifests.of(all, ClusterRoleBinding.class).get(0);
        assertEquals("stagecraft-runtime", binding.getRoleRef().getName());
        assertEquals("stagecraft-runtime", binding.getSubjects().get(0).getName());
        assertEquals("stagecraft", binding.getSubjects().get(0).getNamespace());
        for (Deployment d : Manifests.of(all, Deployment.class)) {
            String account = d.getSpec().getTemplate().getSpec().getServiceAccountName();
            boolean runsRuntime = List.of("setup-service", "patch-service", "teardown-service")
                    .contains(d.getMetadata().getName());
            assertEquals(runsRuntime ? "stagecraft-runtime" : null, account, d.getMetadata().getName());
            if (!runsRuntime) {
                assertEquals(Boolean.FALSE, d.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
            }
        }
    }

    /** Each service reads the ConfigMap and only the Secrets it needs: the build-service gets no key and no token. */
    @Test
    void configurationComesFromTheConfigMapAndEachServiceGetsOnlyTheSecretsItNeeds() {
        ConfigMap config = Manifests.of(all, ConfigMap.class).get(0);
        Map<String, Set<String>> secretKeys = new java.util.HashMap<>();
        for (Secret secret : Manifests.of(all, Secret.class)) {
            secretKeys.put(secret.getMetadata().getName(), secret.getStringData().keySet());
        }
        Set<String> provided = new HashSet<>(config.getData().keySet());
        secretKeys.values().forEach(provided::addAll);
        assertTrue(provided.containsAll(Set.of("STAGECRAFT_KAFKA", "STAGECRAFT_JDBC_URL", "STAGECRAFT_JDBC_USER",
                "STAGECRAFT_JDBC_PASSWORD", "STAGECRAFT_SECRETS_KEY", "STAGECRAFT_ADMIN_TOKEN", "STAGECRAFT_RUNTIMES",
                "STAGECRAFT_DEFAULT_RUNTIME", "STAGECRAFT_REGISTRY", "DOCKER_HOST")), provided.toString());
        assertFalse(config.getData().keySet().stream().anyMatch(k -> k.contains("PASSWORD") || k.contains("TOKEN")
                || k.contains("SECRETS_KEY")), "no secret in the ConfigMap");
        Map<String, Set<String>> seen = new java.util.HashMap<>();
        for (Deployment d : Manifests.of(all, Deployment.class)) {
            var envFrom = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnvFrom();
            assertEquals(config.getMetadata().getName(), envFrom.get(0).getConfigMapRef().getName());
            Set<String> keys = new HashSet<>();
            envFrom.stream().filter(e -> e.getSecretRef() != null)
                    .forEach(e -> keys.addAll(secretKeys.get(e.getSecretRef().getName())));
            seen.put(d.getMetadata().getName(), keys);
        }
        assertTrue(seen.get("gateway-service").containsAll(Set.of("STAGECRAFT_JDBC_PASSWORD", "STAGECRAFT_SECRETS_KEY",
                "STAGECRAFT_ADMIN_TOKEN")), seen.toString());
        assertEquals(Set.of("STAGECRAFT_JDBC_PASSWORD"), seen.get("build-service"),
                "the build-service, which builds pull request code, gets neither the sealing key nor a token");
        for (String service : List.of("setup-service", "patch-service", "teardown-service")) {
            assertTrue(seen.get(service).contains("STAGECRAFT_SECRETS_KEY"), service);
            assertFalse(seen.get(service).contains("STAGECRAFT_ADMIN_TOKEN"), service + " gets no admin token");
        }
    }

    @Test
    void kafkaIsAStrimziClusterWhoseBootstrapServiceTheConfigNames() {
        GenericKubernetesResource kafka = Manifests.of(all, GenericKubernetesResource.class).stream()
                .filter(r -> r.getKind().equals("Kafka")).findFirst().orElseThrow();
        // Strimzi pinned: 1.0.0 serves only v1, in which KRaft and node pools need no annotation
        for (GenericKubernetesResource strimzi : Manifests.of(all, GenericKubernetesResource.class)) {
            if (strimzi.getApiVersion().startsWith("kafka.strimzi.io/")) {
                assertEquals("kafka.strimzi.io/v1", strimzi.getApiVersion(), strimzi.getKind());
            }
        }
        assertTrue(kafka.getMetadata().getAnnotations() == null || kafka.getMetadata().getAnnotations().keySet()
                .stream().noneMatch(a -> a.startsWith("strimzi.io/")), "no annotation Strimzi ignores");
        String clients = null;
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("../pom.xml"))) {
                if (line.contains("<kafka.version>")) {
                    clients = line.replaceAll(".*<kafka.version>(.*)</kafka.version>.*", "$1").trim();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(clients, ((Map<?, ?>) ((Map<?, ?>) kafka.getAdditionalProperties().get("spec")).get("kafka"))
                .get("version"), "the brokers run the version of Stagecraft's Kafka clients");
        String bootstrap = Manifests.of(all, ConfigMap.class).get(0).getData().get("STAGECRAFT_KAFKA");
        assertTrue(bootstrap.startsWith(kafka.getMetadata().getName() + "-kafka-bootstrap."), bootstrap);
    }
}
