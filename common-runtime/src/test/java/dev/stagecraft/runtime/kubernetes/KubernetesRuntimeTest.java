package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.StepSpec;
import dev.stagecraft.events.EnvironmentSpec.WorkflowSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The Kubernetes runtime against {@link ControlPlane} (the fabric8 mock API server with a real API server's rules and
 * controllers), with {@link FakeKubelet} telling how pods behave: readiness through ReplicaSet rollouts, crash loops
 * under halt_on_error, image pulls, job failures, deadlines, patching one service of three, teardown twice,
 * Terminating namespaces, conflicts, convergence, pause and resume, and objects Stagecraft did not create.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class KubernetesRuntimeTest {

    static ControlPlane plane;
    static KubernetesMockServer server;
    static final String RUNTIME_AGENT = "stagecraft-runtime";
    static final NamespacePolicy POLICY = NamespacePolicy.defaults(List.of("preview.example.test"));
    /** The registry pull Secret of the Stagecraft namespace, as deploy/kubernetes names it. */
    static final String PULL_SECRET = "stagecraft-registry-pull";
    /** A Secret of the Stagecraft namespace the API server refuses to show the runtime (no RBAC right to it). */
    static final String FORBIDDEN_SECRET = "not-for-the-runtime";
    /** The web service's host name in this test: one environment's host name is no other's. */
    static String webHost;
    static KubernetesClient client;
    static KubernetesClient runtimeClient;
    static FakeKubelet kubelet;
    static KubernetesRuntime runtime;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> backupImage = Collections.synchronizedList(new ArrayList<>());
    private final RuntimeListener listener = RuntimeListener.of(t -> events.add("started " + t),
            (t, ok, m) -> events.add((ok ? "succeeded " : "failed ") + t), (s, l) -> events.add("log " + s + ": " + l),
            () -> {
            });

    @BeforeAll
    static void cluster() {
        plane = ControlPlane.start();
        server = plane.server();
        client = plane.client("test");
        runtimeClient = plane.client(RUNTIME_AGENT);
        kubelet = plane.kubelet();
        // RBAC: the runtime may read only the Secrets its Role names in the Stagecraft namespace
        plane.forbid(RUNTIME_AGENT, "/api/v1/namespaces/stagecraft/secrets/" + FORBIDDEN_SECRET);
        // the installation's wildcard certificate, in the Stagecraft namespace
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("stagecraft").endMetadata().build()).create();
        client.secrets().inNamespace("stagecraft").resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName("preview-tls").endMetadata().withType("kubernetes.io/tls")
                .addToData("tls.crt", "Y2VydA==").addToData("tls.key", "a2V5").build()).create();
        // and the registry credentials the nodes pull with
        client.secrets().inNamespace("stagecraft").resource(pullSecret(PULL_SECRET, "pull-user")).create();
        runtime = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                new IngressTls("preview-tls", null), PULL_SECRET, null,
                value -> value.startsWith("sealed:") ? value.substring(7) : value, POLICY);
    }

    @AfterAll
    static void stop() {
        runtimeClient.close();
        client.close();
        plane.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void newHost() {
        webHost = "web-" + UUID.randomUUID().toString().substring(0, 6) + ".preview.example.test";
    }

    static String env() {
        return "shop-pr" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** A registry credential as {@code kubectl create secret docker-registry} makes it, for {@code user}. */
    static Secret pullSecret(String name, String user) {
        String config = "{\"auths\":{\"registry.example.test\":{\"username\":\"" + user
                + "\",\"password\":\"p4ss\"}}}";
        return new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name).endMetadata()
                .withType("kubernetes.io/dockerconfigjson").addToData(".dockerconfigjson", Base64.getEncoder()
                        .encodeToString(config.getBytes(StandardCharsets.UTF_8))).build();
    }

    /** A spec of one service, {@code name}, running {@code image}. */
    static EnvironmentSpec oneService(String name, String image) {
        return spec(List.of(service(name, image, List.of())), List.of(), Map.of());
    }

    /** Sets {@code env} up with {@code spec} (its own images, no commit) and checks it succeeded. */
    private void setUp(String env, EnvironmentSpec spec) {
        assertTrue(runtime.setup(env, spec, Map.of(), null, listener).succeeded());
    }

    /** Checks that {@code result} failed with a reason that says each of {@code said}. */
    private static void failedSaying(DeployResult result, String... said) {
        assertFalse(result.succeeded(), "a failure was expected");
        assertTrue(java.util.Arrays.stream(said).allMatch(result.reason()::contains), result.reason());
    }

    /** Sets {@code env} up with {@link #threeServices}, web at registry/web:1, at commit c1; checks it succeeded. */
    private DeployResult setUpThreeServices(String env) {
        DeployResult result = runtime.setup(env, threeServices("registry/web:1"), images("registry/web:1"), "c1",
                listener);
        assertTrue(result.succeeded(), result.reason());
        return result;
    }

    /** Tears {@code env} down, checks that nothing of it is left, and returns what the teardown reported. */
    private TeardownResult tearDownCleanly(String env) {
        TeardownResult down = runtime.teardown(env, List.of(), listener);
        assertTrue(down.clean(), String.valueOf(down.leftovers()));
        return down;
    }

    static ServiceSpec service(String name, String image, List<String> dependsOn) {
        return new ServiceSpec(name, image, null, 8080, Map.of("LOG_LEVEL", "debug", "API_KEY", "sealed:k3y-" + name),
                List.of(), List.of(), List.of(new PortSpec("node_port", 8080, 80)), null, null, null, 1, List.of(),
                dependsOn);
    }

    static EnvironmentSpec spec(List<ServiceSpec> services, List<JobSpec> jobs, Map<String, WorkflowSpec> workflows) {
        return new EnvironmentSpec("shop", services, Map.of("DATABASE_URL", "postgres://db/shop",
                "DB_PASSWORD", "sealed:hunter2"), jobs, workflows, Map.of("web", webHost),
                List.of(new EnvironmentSpec.SharedVolumeSpec("uploads", "2Gi", null)), "ephemeral", null);
    }

    static EnvironmentSpec threeServices(String webImage) {
        JobSpec migrate = new JobSpec("migrate", "api", null, List.of("./migrate"), List.of(), Map.of(), 120, true);
        Map<String, WorkflowSpec> workflows = Map.of(
                "setup", new WorkflowSpec("setup", List.of(
                        new StepSpec("backends", List.of("services.db", "services.api"), true, true),
                        new StepSpec("migrate", List.of("jobs.migrate"), true, true),
                        new StepSpec("frontends", List.of("services.web"), true, true))),
                "patch", new WorkflowSpec("patch", List.of(
                        new StepSpec("all", List.of("services.db", "services.api", "services.web"), true, true))));
        return spec(List.of(service("db", "postgres:16", List.of()), service("api", "registry/api:1", List.of("db")),
                service("web", webImage, List.of("api"))), List.of(migrate), workflows);
    }

    static Map<String, String> images(String web) {
        return Map.of("api", "registry/api:1", "web", web);
    }

    private Deployment deployment(String env, String name) {
        return client.apps().deployments().inNamespace(KubernetesObjects.namespaceOf(env)).withName(name).get();
    }

    @Test
    void setupConvergesLabelledObjectsRunsTheWorkflowAndReportsEveryTask() {
        String env = env();
        DeployResult result = setUpThreeServices(env);
        String ns = KubernetesObjects.namespaceOf(env);
        assertEquals("sc-" + env, ns);
        var namespace = client.namespaces().withName(ns).get();
        assertTrue(namespace.getMetadata().getLabels().entrySet().containsAll(Map.of(Labels.MANAGED_BY, "stagecraft",
                Labels.ENVIRONMENT, env, Labels.APPLICATION, "shop").entrySet()), namespace.getMetadata().getLabels()
                .toString());

        Secret variables = client.secrets().inNamespace(ns).withName(KubernetesObjects.VARIABLES_SECRET).get();
        assertEquals("hunter2", decode(variables.getData().get("DB_PASSWORD")), "opened inside the Secret");
        assertFalse(variables.getData().keySet().stream().anyMatch(k -> k.contains("API_KEY")),
                "the Secret every container reads holds no service's own secret: " + variables.getData().keySet());
        Secret webOwn = client.secrets().inNamespace(ns).withName("stagecraft-service-web").get();
        assertEquals("k3y-web", decode(webOwn.getData().get("API_KEY")), "web's own secret value, opened");
        assertEquals(List.of(ControlPlane.ROOT_CA), client.configMaps().inNamespace(ns).list().getItems().stream()
                .map(c -> c.getMetadata().getName()).toList(), "no ConfigMap holds variables (the root CA is the"
                        + " control plane's)");

        Deployment web = deployment(env, "web");
        var container = web.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("registry/web:1", container.getImage());
        assertEquals(KubernetesObjects.VARIABLES_SECRET, container.getEnvFrom().get(0).getSecretRef().getName());
        EnvVar apiKey = container.getEnv().stream().filter(e -> e.getName().equals("API_KEY")).findFirst().orElseThrow();
        assertNull(apiKey.getValue(), "a secret value is never written into the Deployment");
        assertEquals("API_KEY", apiKey.getValueFrom().getSecretKeyRef().getKey());
        assertEquals("stagecraft-service-web", apiKey.getValueFrom().getSecretKeyRef().getName());
        var apiContainer = deployment(env, "api").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(apiContainer.getEnv().stream().filter(e -> e.getValueFrom() != null).allMatch(e -> e.getValueFrom()
                .getSecretKeyRef().getName().equals("stagecraft-service-api")), "api refers to its own Secret only");
        assertEquals("debug", container.getEnv().stream().filter(e -> e.getName().equals("LOG_LEVEL")).findFirst()
                .orElseThrow().getValue());
        assertEquals(env, web.getMetadata().getLabels().get(Labels.ENVIRONMENT));

        var svc = client.services().inNamespace(ns).withName("web").get();
        assertEquals(80, svc.getSpec().getPorts().get(0).getPort());
        assertEquals(8080, svc.getSpec().getPorts().get(0).getTargetPort().getIntVal());
        var ingress = client.network().v1().ingresses().inNamespace(ns).withName("web").get();
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals(webHost, ingress.getSpec().getRules().get(0).getHost());
        assertEquals("preview-tls", ingress.getSpec().getTls().get(0).getSecretName());
        Secret certificate = client.secrets().inNamespace(ns).withName("preview-tls").get();
        assertEquals("Y2VydA==", certificate.getData().get("tls.crt"), "the wildcard certificate is in the namespace");
        assertEquals("stagecraft", certificate.getMetadata().getLabels().get(Labels.MANAGED_BY));
        assertNotNull(client.persistentVolumeClaims().inNamespace(ns).withName("uploads").get());
        var jobs = client.batch().v1().jobs().inNamespace(ns).list().getItems();
        assertEquals(1, jobs.size());
        assertEquals("registry/api:1", jobs.get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
                "a job from_service runs that service's image");

        assertEquals(Map.of("db", "http://db." + ns + ".svc.cluster.local:80", "api",
                "http://api." + ns + ".svc.cluster.local:80", "web", "https://" + webHost),
                result.endpoints());
        assertEquals(List.of("db", "api", "web"), result.started().stream().sorted((a, b) ->
                List.of("db", "api", "web").indexOf(a) - List.of("db", "api", "web").indexOf(b)).toList());
        List<String> order = events.stream().filter(e -> e.startsWith("succeeded")).toList();
        assertEquals("succeeded jobs.migrate", order.get(2), "the job runs after the backends: " + events);
        assertEquals("succeeded services.web", order.get(3));

        // convergence: the same setup again creates nothing and restarts nothing
        Long webGeneration = web.getMetadata().getGeneration();
        int objects = countObjects(ns);
        events.clear();
        DeployResult again = setUpThreeServices(env);
        assertEquals(List.of(), again.started());
        assertEquals(webGeneration, deployment(env, "web").getMetadata().getGeneration(), "web untouched");
        assertEquals(objects, countObjects(ns), "no duplicate objects (the job's earlier run is replaced)");

        // a service dropped from the template goes with the next setup
        EnvironmentSpec fewer = threeServices("registry/web:1");
        fewer = new EnvironmentSpec(fewer.application(), fewer.services().subList(0, 2), fewer.variables(),
                fewer.jobs(), Map.of(), fewer.hostnames(), fewer.sharedVolumes(), "ephemeral", null);
        assertTrue(runtime.setup(env, fewer, images("registry/web:1"), "c1", listener).succeeded());
        assertNull(deployment(env, "web"));
        assertNull(client.services().inNamespace(ns).withName("web").get());
        assertNull(client.network().v1().ingresses().inNamespace(ns).withName("web").get());
        assertNull(client.secrets().inNamespace(ns).withName("stagecraft-service-web").get(), "and its own Secret");
        assertNotNull(client.secrets().inNamespace(ns).withName("stagecraft-service-api").get());
        assertNotNull(deployment(env, "api"));
    }

    /** Every environment namespace is fenced: network isolation, quota and limits, Pod Security restricted. */
    @Test
    void theNamespaceIsFencedAndItsWorkloadsPassPodSecurityRestricted() {
        String env = env();
        DeployResult result = setUpThreeServices(env);
        String ns = KubernetesObjects.namespaceOf(env);
        Map<String, String> labels = client.namespaces().withName(ns).get().getMetadata().getLabels();
        assertEquals("restricted", labels.get("pod-security.kubernetes.io/enforce"));
        assertEquals("restricted", labels.get("pod-security.kubernetes.io/warn"));

        var policy = client.network().v1().networkPolicies().inNamespace(ns)
                .withName(KubernetesObjects.ISOLATION_POLICY).get();
        assertEquals(Map.of(), policy.getSpec().getPodSelector().getMatchLabels() == null ? Map.of()
                : policy.getSpec().getPodSelector().getMatchLabels(), "it selects every pod");
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        assertEquals("ingress-nginx", policy.getSpec().getIngress().get(0).getFrom().get(1).getNamespaceSelector()
                .getMatchLabels().get("kubernetes.io/metadata.name"));
        var internet = policy.getSpec().getEgress().get(2).getTo().get(0).getIpBlock();
        assertEquals("0.0.0.0/0", internet.getCidr());
        assertTrue(internet.getExcept().containsAll(List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
                "no egress to the cluster's networks (API server, Stagecraft, other environments)");

        var quota = client.resourceQuotas().inNamespace(ns).withName(KubernetesObjects.QUOTA).get();
        assertEquals("8", quota.getSpec().getHard().get("limits.cpu").toString());
        assertEquals("50", quota.getSpec().getHard().get("pods").toString());
        var limits = client.limitRanges().inNamespace(ns).withName(KubernetesObjects.LIMITS).get();
        assertEquals("512Mi", limits.getSpec().getLimits().get(0).getDefault().get("memory").toString());

        var pod = deployment(env, "web").getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), "no API token in environment pods");
        var security = pod.getContainers().get(0).getSecurityContext();
        assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
        var job = client.batch().v1().jobs().inNamespace(ns).list().getItems().get(0).getSpec().getTemplate()
                .getSpec();
        assertEquals(Boolean.TRUE, job.getSecurityContext().getRunAsNonRoot());
        assertEquals(List.of("ALL"), job.getContainers().get(0).getSecurityContext().getCapabilities().getDrop());

        tearDownCleanly(env);
        assertNull(client.namespaces().withName(ns).get());
    }

    /** A service may opt out of non-root (run_as_root): it says so in the spec, and its namespace enforces baseline. */
    @Test
    void aServiceThatMustRunAsRootLowersItsNamespaceToBaseline() {
        String env = env();
        ServiceSpec db = service("db", "postgres:16", List.of());
        ServiceSpec root = new ServiceSpec(db.name(), db.image(), null, db.port(), db.envs(), db.command(), db.args(),
                db.ports(), null, null, null, 1, List.of(), List.of(), true);
        setUp(env, spec(List.of(root), List.of(), Map.of()));
        String ns = KubernetesObjects.namespaceOf(env);
        assertEquals("baseline", client.namespaces().withName(ns).get().getMetadata().getLabels()
                .get("pod-security.kubernetes.io/enforce"));
        var pod = deployment(env, "db").getSpec().getTemplate().getSpec();
        assertNull(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(List.of("ALL"), pod.getContainers().get(0).getSecurityContext().getCapabilities().getDrop(),
                "still no capabilities and no privilege escalation");
        // without the opt-out, the next setup raises the namespace to restricted again
        setUp(env, spec(List.of(db), List.of(), Map.of()));
        assertEquals("restricted", client.namespaces().withName(ns).get().getMetadata().getLabels()
                .get("pod-security.kubernetes.io/enforce"));
    }

    /** What cannot fit or may not be served is refused before anything is created, saying why. */
    @Test
    void hostsOutsideTheAllowedDomainsOrTakenAndTemplatesOverTheQuotaAreRefusedUpFront() {
        String env = env();
        EnvironmentSpec base = oneService("web", "registry/web:1");
        EnvironmentSpec foreign = new EnvironmentSpec("shop", base.services(), base.variables(), List.of(), Map.of(),
                Map.of("web", "www.bank.example.com"), List.of(), "ephemeral", null);
        failedSaying(runtime.setup(env, foreign, Map.of(), null, listener),
                "'www.bank.example.com' is not under an allowed domain suffix: preview.example.test");
        assertNull(client.namespaces().withName(KubernetesObjects.namespaceOf(env)).get(), "nothing was created");

        ServiceSpec web = service("web", "registry/web:1", List.of());
        ServiceSpec many = new ServiceSpec(web.name(), web.image(), null, web.port(), web.envs(), web.command(),
                web.args(), web.ports(), null, null, new EnvironmentSpec.ResourcesSpec(null, "2", null, "1Gi"), 5,
                List.of(), List.of());
        failedSaying(runtime.setup(env, spec(List.of(many), List.of(), Map.of()), Map.of(), null, listener),
                "need 10 CPU at their limits; an environment may use 8");
        assertNull(client.namespaces().withName(KubernetesObjects.namespaceOf(env)).get());

        // a host name another environment serves
        String owner = env();
        assertTrue(runtime.setup(owner, base, Map.of(), null, listener).succeeded());
        failedSaying(runtime.setup(env, base, Map.of(), null, listener),
                "'" + webHost + "' of service 'web' is already served by environment " + owner);
        assertNull(client.namespaces().withName(KubernetesObjects.namespaceOf(env)).get());
    }

    @Test
    void patchUpdatesOnlyTheServiceWhoseImageChanged() {
        String env = env();
        setUpThreeServices(env);
        Long db = deployment(env, "db").getMetadata().getGeneration();
        Long api = deployment(env, "api").getMetadata().getGeneration();
        events.clear();
        DeployResult patched = runtime.patch(env, threeServices("registry/web:2"), images("registry/web:2"), "c2",
                listener);
        assertTrue(patched.succeeded(), patched.reason());
        assertEquals(List.of("web"), patched.started());
        assertEquals("registry/web:2", deployment(env, "web").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage());
        assertEquals(db, deployment(env, "db").getMetadata().getGeneration(), "db not restarted");
        assertEquals(api, deployment(env, "api").getMetadata().getGeneration(), "api not restarted");
        assertTrue(events.contains("succeeded services.db") && events.contains("succeeded services.web"), events
                .toString());
    }

    /**
     * A replace keeps what other controllers added (annotations, finalizers), and starts over from a fresh read
     * when the API server answers 409 Conflict.
     */
    @Test
    void anUpdateKeepsOtherControllersMetadataAndRetriesOnAConflict() {
        String env = env();
        setUpThreeServices(env);
        String ns = KubernetesObjects.namespaceOf(env);
        client.apps().deployments().inNamespace(ns).withName("web").edit(d -> {
            d.getMetadata().getAnnotations().put("team.example.com/owner", "payments");
            d.getMetadata().setFinalizers(List.of("example.com/guard"));
            return d;
        });
        plane.conflictNext(RUNTIME_AGENT, 2);
        DeployResult patched = runtime.patch(env, threeServices("registry/web:2"), images("registry/web:2"), "c2",
                listener);
        assertTrue(patched.succeeded(), patched.reason());
        assertEquals(0, plane.conflictsLeft(RUNTIME_AGENT), "both conflicts were met and retried");
        Deployment web = deployment(env, "web");
        assertEquals("registry/web:2", web.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        assertEquals("payments", web.getMetadata().getAnnotations().get("team.example.com/owner"),
                "another writer's annotation is kept");
        assertEquals("true", web.getMetadata().getAnnotations().get(ControlPlane.ADMITTED),
                "what admission added at creation is kept");
        assertEquals("2", web.getMetadata().getAnnotations().get(ControlPlane.REVISION),
                "the deployment controller's revision: the patch rolled a second ReplicaSet");
        assertEquals(List.of("example.com/guard"), web.getMetadata().getFinalizers(), "a finalizer is kept");
        // the guard holds the Deployment, and so the namespace, until its owner lets go
        client.apps().deployments().inNamespace(ns).withName("web").edit(d -> {
            d.getMetadata().setFinalizers(List.of());
            return d;
        });
        tearDownCleanly(env);
    }

    /**
     * A patch to an image that cannot be pulled: the kubelet retries the first ErrImagePull, then backs off; the
     * patch fails on ImagePullBackOff while the old pod, still ready, keeps serving (its readiness is not the new
     * one's).
     */
    @Test
    void aPatchToAnImageThatCannotBePulledFailsWhileTheOldPodKeepsServing() {
        String env = env();
        setUp(env, oneService("web", "registry/web:1"));
        kubelet.image("registry/web:missing", FakeKubelet.Behaviour.IMAGE_PULL);
        long t0 = System.nanoTime();
        failedSaying(runtime.patch(env, oneService("web", "registry/web:missing"), Map.of(), null, listener),
                "ImagePullBackOff", "registry/web:missing");
        assertTrue(System.nanoTime() - t0 >= ControlPlane.PULL_BACKOFF_MS * 1_000_000L,
                "the first ErrImagePull was not taken as the end");
        List<io.fabric8.kubernetes.api.model.Pod> pods = client.pods().inNamespace(KubernetesObjects.namespaceOf(env))
                .withLabel(Labels.SERVICE, "web").list().getItems();
        assertEquals(2, pods.size(), "the old pod and the new one");
        assertTrue(pods.stream().anyMatch(p -> p.getSpec().getContainers().get(0).getImage().equals("registry/web:1")
                && ControlPlane.ready(p)), "the old pod still serves");
        tearDownCleanly(env);
    }

    /** The old ReplicaSet's crash-looping pod does not fail the patch that replaces it. */
    @Test
    void aPatchThatFixesACrashLoopingServiceSucceeds() {
        String env = env();
        kubelet.image("registry/api:crashing", FakeKubelet.Behaviour.CRASH_LOOP);
        failedSaying(runtime.setup(env, oneService("api", "registry/api:crashing"), Map.of(), null, listener),
                "CrashLoopBackOff");
        DeployResult fixed = runtime.patch(env, oneService("api", "registry/api:fixed"), Map.of(), null, listener);
        assertTrue(fixed.succeeded(), fixed.reason());
        var live = client.pods().inNamespace(KubernetesObjects.namespaceOf(env)).withLabel(Labels.SERVICE, "api")
                .list().getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        assertEquals(List.of("registry/api:fixed"), live.stream().map(p -> p.getSpec().getContainers().get(0)
                .getImage()).toList(), "only the new pod is left");
        tearDownCleanly(env);
    }

    /**
     * A service with its own ReadWriteOnce claim rolls with Recreate: its old pod is gone before the new one starts,
     * so two pods never hold the claim at once (a Multi-Attach error on a cluster of several nodes).
     */
    @Test
    void aServiceWithItsOwnClaimNeverRunsTwoPodsAtOnce() throws Exception {
        String env = env();
        ServiceSpec db = service("db", "postgres:16", List.of());
        List<EnvironmentSpec.VolumeSpec> data = List.of(new EnvironmentSpec.VolumeSpec("data", "persistent",
                "/var/lib/postgresql/data", "1Gi", null));
        java.util.function.Function<String, EnvironmentSpec> with = image -> spec(List.of(new ServiceSpec("db", image,
                null, db.port(), db.envs(), db.command(), db.args(), db.ports(), null, null, null, 1, data, List.of())),
                List.of(), Map.of());
        setUp(env, with.apply("postgres:16"));
        String ns = KubernetesObjects.namespaceOf(env);
        java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        try (var watch = client.pods().inNamespace(ns).withLabel(Labels.SERVICE, "db").watch(
                new io.fabric8.kubernetes.client.Watcher<io.fabric8.kubernetes.api.model.Pod>() {
                    @Override
                    public void eventReceived(Action action, io.fabric8.kubernetes.api.model.Pod pod) {
                        if (action == Action.DELETED) {
                            running.remove(pod.getMetadata().getName());
                        } else {
                            running.add(pod.getMetadata().getName()); // a terminating pod still holds the volume
                        }
                        most.accumulateAndGet(running.size(), Math::max);
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                    }
                })) {
            DeployResult patched = runtime.patch(env, with.apply("postgres:17"), Map.of(), null, listener);
            assertTrue(patched.succeeded(), patched.reason());
        }
        assertEquals(1, most.get(), "never two pods of db at once");
        tearDownCleanly(env);
    }

    @Test
    void aChangedPortOrHostnameUpdatesTheServiceAndIngressInPlace() {
        String env = env();
        EnvironmentSpec before = oneService("web", "registry/web:1");
        setUp(env, before);
        String ns = KubernetesObjects.namespaceOf(env);
        // the API server gave the Service a cluster IP, and refuses (422) a replace that drops or changes it
        String clusterIp = client.services().inNamespace(ns).withName("web").get().getSpec().getClusterIP();
        assertNotNull(clusterIp);

        ServiceSpec moved = new ServiceSpec("web", "registry/web:1", null, 9090, Map.of("LOG_LEVEL", "debug"),
                List.of(), List.of(), List.of(new PortSpec("node_port", 9090, 443)), null, null, null, 1, List.of(),
                List.of());
        EnvironmentSpec after = new EnvironmentSpec("shop", List.of(moved), before.variables(), List.of(), Map.of(),
                Map.of("web", "web-y.preview.example.test"), before.sharedVolumes(), "ephemeral", null);
        DeployResult result = runtime.setup(env, after, Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        var updated = client.services().inNamespace(ns).withName("web").get();
        assertEquals(443, updated.getSpec().getPorts().get(0).getPort());
        assertEquals(9090, updated.getSpec().getPorts().get(0).getTargetPort().getIntVal());
        assertEquals(clusterIp, updated.getSpec().getClusterIP(), "the cluster IP is kept");
        assertEquals("web-y.preview.example.test", client.network().v1().ingresses().inNamespace(ns).withName("web")
                .get().getSpec().getRules().get(0).getHost());
        assertEquals("https://web-y.preview.example.test", result.endpoints().get("web"));
    }

    @Test
    void aCrashLoopingServiceHaltsTheWorkflowNamingTheTaskAndTheReason() {
        String env = env();
        kubelet.behave("crashy", FakeKubelet.Behaviour.CRASH_LOOP);
        ServiceSpec crashy = service("crashy", "registry/crashy:1", List.of());
        EnvironmentSpec spec = spec(List.of(service("db", "postgres:16", List.of()), crashy), List.of(), Map.of(
                "setup", new WorkflowSpec("setup", List.of(new StepSpec("one", List.of("services.crashy"), true, true),
                        new StepSpec("two", List.of("services.db"), true, true)))));
        DeployResult result = runtime.setup(env, spec, Map.of(), null, listener);
        assertFalse(result.succeeded());
        assertEquals("services.crashy", result.failedTask());
        assertTrue(result.reason().contains("CrashLoopBackOff") && result.reason().contains("restarted 4 times"),
                result.reason());
        assertFalse(events.contains("started services.db"), "halted before the next step: " + events);
    }

    @Test
    void anOutOfMemoryServiceIsReportedAsOomKilled() {
        String env = env();
        kubelet.behave("hungry", FakeKubelet.Behaviour.OOM_KILLED);
        failedSaying(runtime.setup(env, oneService("hungry", "registry/hungry:1"), Map.of(), null, listener),
                "OOMKilled");
    }

    @Test
    void aFailingJobReportsItsExitCode() {
        String env = env();
        kubelet.failWith("broken-migration", 3);
        JobSpec job = new JobSpec("broken-migration", null, "registry/tools:1", List.of("migrate"), List.of(),
                Map.of(), 60, true);
        EnvironmentSpec spec = spec(List.of(service("api", "registry/api:1", List.of())), List.of(job), Map.of(
                "setup", new WorkflowSpec("setup", List.of(new StepSpec("m", List.of("jobs.broken-migration"), true,
                        true), new StepSpec("s", List.of("services.api"), true, true)))));
        DeployResult result = runtime.setup(env, spec, Map.of(), null, listener);
        assertFalse(result.succeeded());
        assertEquals("jobs.broken-migration", result.failedTask());
        assertTrue(result.reason().endsWith("exited with code 3"), result.reason());
        var created = client.batch().v1().jobs().inNamespace(KubernetesObjects.namespaceOf(env)).list().getItems()
                .get(0);
        assertEquals(60L, created.getSpec().getActiveDeadlineSeconds(), "completed_timeout is the job's deadline");
        assertEquals(0, created.getSpec().getBackoffLimit());
    }

    @Test
    void aServiceThatNeverBecomesReadyFailsAtTheDeadline() {
        String env = env();
        kubelet.behave("slow", FakeKubelet.Behaviour.NEVER_READY);
        KubernetesRuntime quick = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(2), null, IngressTls.NONE, null,
                null, v -> v, POLICY);
        long start = System.nanoTime();
        DeployResult result = quick.setup(env, oneService("slow", "registry/slow:1"), Map.of(), null, listener);
        assertFalse(result.succeeded());
        assertEquals("services.slow", result.failedTask());
        assertTrue(result.reason().contains("not ready within 2 s: 0 of 1 replicas ready"), result.reason());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 8, "it gave up at the deadline");
    }

    @Test
    void teardownRunsTheTeardownJobsDeploysNothingRemovesEverythingAndSucceedsAgainOnNothing() {
        String env = env();
        JobSpec backup = new JobSpec("backup", "api", null, List.of("./backup"), List.of(), Map.of(), 60, true);
        // api is built: the spec has no image for it, only the setup's images do
        EnvironmentSpec spec = spec(List.of(service("api", null, List.of())), List.of(backup), Map.of(
                "teardown", new WorkflowSpec("teardown", List.of(new StepSpec("b", List.of("jobs.backup",
                        "services.api"), true, true), new StepSpec("r", List.of("release.remove_environment"), true,
                        true)))));
        assertTrue(runtime.setup(env, spec, Map.of("api", "registry/api:7"), null, listener).succeeded());
        String ns = KubernetesObjects.namespaceOf(env);
        // what kube-controller-manager puts into every namespace: not Stagecraft's, yet no reason to keep it
        assertNotNull(client.configMaps().inNamespace(ns).withName(ControlPlane.ROOT_CA).get());
        kubelet.onJobCreated(job -> backupImage.add(job.getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage()));
        events.clear();
        TeardownResult first = tearDownCleanly(env);
        assertTrue(events.indexOf("succeeded jobs.backup") >= 0
                && events.indexOf("succeeded jobs.backup") < events.indexOf("succeeded release.remove_environment"),
                "the teardown workflow's job runs first: " + events);
        assertEquals(List.of("registry/api:7"), backupImage, "the job ran the image api was running");
        assertTrue(events.stream().anyMatch(e -> e.contains("services.api") && e.contains("not run: a teardown deploys"
                + " no service")), "a teardown deploys no service, as on Docker: " + events);
        assertTrue(first.removed().containsAll(List.of("deployment api", "service api", "secret stagecraft-variables",
                "persistentvolumeclaim uploads", "namespace " + ns)), first.removed().toString());
        assertNull(client.namespaces().withName(ns).get());
        for (Kind kind : Kind.values()) {
            assertEquals(List.of(), kind.listAll(client, ns), kind + " left in " + ns);
        }
        assertFalse(runtime.environmentsWithResources().contains(env));

        TeardownResult second = runtime.teardown(env, List.of(), listener);
        assertTrue(second.clean());
        assertEquals(List.of(), second.removed());
    }

    /**
     * Pause scales every Deployment to 0, keeping the replicas it had in an annotation, and leaves Services,
     * Ingresses, Secrets and claims as they were; a second pause changes nothing. Resume gives the replicas back on
     * the same ReplicaSet (same image, same configuration), returns once the pods are ready, with the setup's
     * endpoints; a resume of a running environment only checks readiness.
     */
    @Test
    void pauseScalesEveryServiceToZeroAndResumeGivesItsReplicasBackReady() {
        String env = env();
        ServiceSpec web = service("web", "registry/web:1", List.of());
        ServiceSpec twoWebs = new ServiceSpec(web.name(), web.image(), null, web.port(), web.envs(), web.command(),
                web.args(), web.ports(), null, null, null, 2, List.of(), List.of());
        EnvironmentSpec spec = spec(List.of(twoWebs, service("api", "registry/api:1", List.of())), List.of(),
                Map.of());
        DeployResult setup = runtime.setup(env, spec, Map.of(), null, listener);
        assertTrue(setup.succeeded(), setup.reason());
        String ns = KubernetesObjects.namespaceOf(env);
        Deployment before = deployment(env, "web");
        assertEquals(2, readyPods(ns, "web"));
        List<String> kept = untouched(ns);

        events.clear();
        DeployResult paused = runtime.pause(env, spec, listener);
        assertTrue(paused.succeeded(), paused.reason());
        Deployment webPaused = deployment(env, "web");
        assertEquals(0, webPaused.getSpec().getReplicas());
        assertEquals("2", webPaused.getMetadata().getAnnotations().get(KubernetesObjects.PAUSED_REPLICAS));
        assertEquals("1", deployment(env, "api").getMetadata().getAnnotations().get(
                KubernetesObjects.PAUSED_REPLICAS));
        assertEquals(List.of(), livePods(ns), "no pod runs once the pause has returned");
        assertEquals(before.getSpec().getTemplate(), webPaused.getSpec().getTemplate(), "the pod template is kept");
        assertTrue(events.containsAll(List.of("started services.web", "succeeded services.web",
                "succeeded services.api")), "each service is a task: " + events);
        assertEquals(kept, untouched(ns), "Services, Ingresses, Secrets and claims untouched");

        String version = webPaused.getMetadata().getResourceVersion();
        events.clear();
        assertTrue(runtime.pause(env, spec, listener).succeeded());
        assertEquals(version, deployment(env, "web").getMetadata().getResourceVersion(), "a second pause changes"
                + " nothing");
        assertTrue(events.contains("log services.web: already paused"), events.toString());

        events.clear();
        DeployResult resumed = runtime.resume(env, spec, listener);
        assertTrue(resumed.succeeded(), resumed.reason());
        assertEquals(setup.endpoints(), resumed.endpoints());
        assertEquals(List.of("api", "web"), resumed.started().stream().sorted().toList());
        Deployment after = deployment(env, "web");
        assertEquals(2, after.getSpec().getReplicas());
        assertNull(after.getMetadata().getAnnotations().get(KubernetesObjects.PAUSED_REPLICAS));
        assertEquals(2, readyPods(ns, "web"), "the resume returned once both pods were ready");
        assertEquals(before.getMetadata().getAnnotations().get(ControlPlane.REVISION),
                after.getMetadata().getAnnotations().get(ControlPlane.REVISION), "the same ReplicaSet: no rollout");
        assertTrue(livePods(ns).stream().allMatch(p -> p.getSpec().getContainers().get(0).getImage().startsWith(
                "registry/" + p.getMetadata().getLabels().get(Labels.SERVICE) + ":1")), "the images deployed before");
        assertTrue(events.contains("log services.web: scaled deployment web back to 2 replicas"), events.toString());
        assertEquals(kept, untouched(ns), "Services, Ingresses, Secrets and claims untouched");

        version = after.getMetadata().getResourceVersion();
        DeployResult again = runtime.resume(env, spec, listener);
        assertTrue(again.succeeded(), again.reason());
        assertEquals(List.of(), again.started(), "a running environment is only checked");
        assertEquals(version, deployment(env, "web").getMetadata().getResourceVersion());
        tearDownCleanly(env);
    }

    /**
     * A resume judges readiness as a setup does (a pod that now crash-loops fails it, naming the service); a
     * Deployment removed meanwhile fails it saying a setup makes it again; a setup of a paused environment starts it.
     */
    @Test
    void aResumeFailsOnAServiceThatDoesNotComeBackAndASetupStartsAPausedEnvironment() {
        String env = env();
        EnvironmentSpec spec = oneService("queue", "registry/queue:1");
        setUp(env, spec);
        String ns = KubernetesObjects.namespaceOf(env);
        assertTrue(runtime.pause(env, spec, listener).succeeded());
        kubelet.behave("queue", FakeKubelet.Behaviour.CRASH_LOOP);
        try {
            DeployResult crashing = runtime.resume(env, spec, listener);
            failedSaying(crashing, "CrashLoopBackOff");
            assertEquals("services.queue", crashing.failedTask());
        } finally {
            kubelet.behave("queue", FakeKubelet.Behaviour.READY);
        }

        assertTrue(runtime.pause(env, spec, listener).succeeded());
        DeployResult started = runtime.setup(env, spec, Map.of(), null, listener);
        assertTrue(started.succeeded(), started.reason());
        assertEquals(1, deployment(env, "queue").getSpec().getReplicas(), "a setup gives a paused service its replicas");
        assertNull(deployment(env, "queue").getMetadata().getAnnotations().get(KubernetesObjects.PAUSED_REPLICAS));
        assertEquals(1, readyPods(ns, "queue"));

        client.apps().deployments().inNamespace(ns).withName("queue").delete();
        DeployResult gone = runtime.resume(env, spec, listener);
        failedSaying(gone, "deployment queue is gone", "POST /api/environments/" + env + "/setup");
        assertEquals("services.queue", gone.failedTask());
        failedSaying(runtime.resume(env() + "-none", spec, listener), "does not exist");
        tearDownCleanly(env);
    }

    /** The pods of the namespace not being deleted. */
    private static List<io.fabric8.kubernetes.api.model.Pod> livePods(String ns) {
        return client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static long readyPods(String ns, String service) {
        return livePods(ns).stream().filter(p -> service.equals(p.getMetadata().getLabels().get(Labels.SERVICE)))
                .filter(ControlPlane::ready).count();
    }

    /** Kind, name and resourceVersion of every Service, Ingress, Secret and claim of the namespace. */
    private static List<String> untouched(String ns) {
        List<String> all = new ArrayList<>();
        for (Kind kind : List.of(Kind.SERVICE, Kind.INGRESS, Kind.SECRET, Kind.CLAIM)) {
            kind.listAll(client, ns).forEach(o -> all.add(kind.label + " " + o.getMetadata().getName() + " "
                    + o.getMetadata().getResourceVersion()));
        }
        return all.stream().sorted().toList();
    }

    /**
     * TLS from cert-manager: the Ingress asks the ClusterIssuer for a certificate per host. Without TLS the endpoint
     * says http. A wildcard Secret that is missing fails the setup rather than serve the controller's default one.
     */
    @Test
    void certificatesComeFromCertManagerOrTheCopiedWildcardAndEndpointsSayWhichScheme() {
        KubernetesRuntime issued = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                new IngressTls(null, "letsencrypt"), null, null, v -> v, POLICY);
        String env = env();
        EnvironmentSpec web = oneService("web", "registry/web:1");
        DeployResult result = issued.setup(env, web, Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        var ingress = client.network().v1().ingresses().inNamespace(KubernetesObjects.namespaceOf(env)).withName("web")
                .get();
        assertEquals("letsencrypt", ingress.getMetadata().getAnnotations().get("cert-manager.io/cluster-issuer"));
        assertEquals("web-tls", ingress.getSpec().getTls().get(0).getSecretName());
        assertEquals("https://" + webHost, result.endpoints().get("web"));

        KubernetesRuntime plain = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx", IngressTls.NONE,
                null, null, v -> v, POLICY);
        webHost = "plain-" + webHost;
        DeployResult http = plain.setup(env(), oneService("web", "registry/web:1"), Map.of(), null, listener);
        assertTrue(http.succeeded(), http.reason());
        assertEquals("http://" + webHost, http.endpoints().get("web"), "no TLS, no https");

        KubernetesRuntime missing = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                new IngressTls("no-such-cert", null), null, null, v -> v, POLICY);
        webHost = "missing-" + webHost;
        failedSaying(missing.setup(env(), oneService("web", "registry/web:1"), Map.of(), null, listener),
                "stagecraft/no-such-cert (STAGECRAFT_INGRESS_TLS_SECRET) does not exist");
    }

    /**
     * The nodes pull an environment's images with the registry credentials of the Stagecraft namespace: the pull
     * Secret is copied into the environment's namespace (labelled as Stagecraft's, refreshed when the original
     * changes, without restarting anything) and every Deployment's and Job's pods name it in imagePullSecrets. A
     * configured pull Secret that is missing, or that the runtime may not read, refuses the setup before anything is
     * made, naming the setting; none configured, pods name none.
     */
    @Test
    void theRegistryPullSecretIsCopiedIntoTheNamespaceAndEveryPodPullsWithIt() {
        String env = env();
        DeployResult result = setUpThreeServices(env);
        String ns = KubernetesObjects.namespaceOf(env);
        Secret copy = client.secrets().inNamespace(ns).withName(PULL_SECRET).get();
        assertNotNull(copy, "the pull Secret is in the environment's namespace");
        assertEquals("kubernetes.io/dockerconfigjson", copy.getType());
        assertTrue(decode(copy.getData().get(".dockerconfigjson")).contains("\"pull-user\""));
        assertTrue(copy.getMetadata().getLabels().entrySet().containsAll(Map.of(Labels.MANAGED_BY, "stagecraft",
                Labels.ENVIRONMENT, env).entrySet()), copy.getMetadata().getLabels().toString());
        for (String service : List.of("db", "api", "web")) {
            assertEquals(List.of(PULL_SECRET), deployment(env, service).getSpec().getTemplate().getSpec()
                    .getImagePullSecrets().stream().map(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
                    .toList(), service + "'s pods pull with it");
        }
        var job = client.batch().v1().jobs().inNamespace(ns).list().getItems().get(0).getSpec().getTemplate().getSpec();
        assertEquals(PULL_SECRET, job.getImagePullSecrets().get(0).getName(), "a job's pod pulls with it");

        // rotated credentials reach the namespace at the next deploy; no pod needs to restart for them
        Long webGeneration = deployment(env, "web").getMetadata().getGeneration();
        client.secrets().inNamespace("stagecraft").withName(PULL_SECRET).edit(s -> {
            s.setData(pullSecret(PULL_SECRET, "rotated-user").getData());
            return s;
        });
        try {
            assertTrue(runtime.patch(env, threeServices("registry/web:1"), images("registry/web:1"), "c1", listener)
                    .succeeded());
            assertTrue(decode(client.secrets().inNamespace(ns).withName(PULL_SECRET).get().getData()
                    .get(".dockerconfigjson")).contains("\"rotated-user\""), "the copy follows the original");
            assertEquals(webGeneration, deployment(env, "web").getMetadata().getGeneration(), "web not restarted");
        } finally {
            client.secrets().inNamespace("stagecraft").withName(PULL_SECRET).edit(s -> {
                s.setData(pullSecret(PULL_SECRET, "pull-user").getData());
                return s;
            });
        }

        webHost = "missing-" + webHost;
        String refusedEnv = env();
        KubernetesRuntime missing = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                IngressTls.NONE, "no-such-pull", null, v -> v, POLICY);
        failedSaying(missing.setup(refusedEnv, oneService("web", "registry/web:1"), Map.of(), null, listener),
                "the registry pull Secret stagecraft/no-such-pull"
                + " (STAGECRAFT_REGISTRY_PULL_SECRET) does not exist");
        assertNull(client.namespaces().withName(KubernetesObjects.namespaceOf(refusedEnv)).get(), "nothing was made");

        KubernetesRuntime forbidden = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                IngressTls.NONE, FORBIDDEN_SECRET, null, v -> v, POLICY);
        failedSaying(forbidden.setup(refusedEnv, oneService("web", "registry/web:1"), Map.of(), null, listener),
                "may not read the registry pull Secret stagecraft/" + FORBIDDEN_SECRET
                + " (STAGECRAFT_REGISTRY_PULL_SECRET)");

        webHost = "plain-" + webHost;
        String plainEnv = env();
        KubernetesRuntime nodesHaveCredentials = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                IngressTls.NONE, "", null, v -> v, POLICY);
        assertTrue(nodesHaveCredentials.setup(plainEnv, oneService("web", "registry/web:1"), Map.of(), null, listener).succeeded());
        assertEquals(List.of(), deployment(plainEnv, "web").getSpec().getTemplate().getSpec().getImagePullSecrets());
        assertNull(client.secrets().inNamespace(KubernetesObjects.namespaceOf(plainEnv)).withName(PULL_SECRET).get());
    }

    /** A namespace still Terminating from an earlier teardown is waited for, then made again. */
    @Test
    void aTerminatingNamespaceIsWaitedForBeforeTheEnvironmentIsSetUpAgain() {
        String env = env();
        String ns = KubernetesObjects.namespaceOf(env);
        EnvironmentSpec spec = oneService("api", "registry/api:1");
        setUp(env, spec);
        String firstUid = client.namespaces().withName(ns).get().getMetadata().getUid();
        client.namespaces().withName(ns).delete(); // as an earlier teardown would: the namespace controller empties it
        assertNotNull(client.namespaces().withName(ns).get().getMetadata().getDeletionTimestamp(), "Terminating");
        long t0 = System.nanoTime();
        DeployResult result = runtime.setup(env, spec, Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        assertTrue(System.nanoTime() - t0 >= 1_000_000_000L, "it waited for the old namespace to go");
        var again = client.namespaces().withName(ns).get();
        assertNull(again.getMetadata().getDeletionTimestamp(), "a new namespace");
        assertFalse(firstUid.equals(again.getMetadata().getUid()), "not the old one");
        assertNotNull(deployment(env, "api"));
        assertTrue(ControlPlane.ready(client.pods().inNamespace(ns).withLabel(Labels.SERVICE, "api").list().getItems()
                .get(0)), "its pod runs in the new namespace");
    }

    @Test
    void objectsStagecraftDidNotCreateAreNeverChangedOrDeleted() {
        String env = env();
        assertTrue(runtime.setup(env, oneService("api", "registry/api:1"),
                Map.of(), null, listener).succeeded());
        String ns = KubernetesObjects.namespaceOf(env);
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("team-notes")
                .endMetadata().withData(Map.of("owner", "team-a")).build()).create();
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata()
                .withName("web").endMetadata().withNewSpec().withReplicas(1).withNewSelector()
                .withMatchLabels(Map.of("app", "hand-made")).endSelector().withNewTemplate().withNewMetadata()
                .withLabels(Map.of("app", "hand-made")).endMetadata().withNewSpec().addNewContainer().withName("web")
                .withImage("nginx:hand-made").endContainer().endSpec().endTemplate().endSpec().build()).create();

        failedSaying(runtime.setup(env, spec(List.of(service("api", "registry/api:1", List.of()),
                service("web", "registry/web:1", List.of())), List.of(), Map.of()), Map.of(), null, listener),
                "Deployment web exists", "not created by");
        assertEquals("nginx:hand-made", deployment(env, "web").getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage(), "the hand-made deployment is untouched");

        TeardownResult down = tearDownCleanly(env);
        assertNotNull(client.configMaps().inNamespace(ns).withName("team-notes").get(), "foreign objects stay");
        assertNotNull(deployment(env, "web"));
        assertNull(deployment(env, "api"), "Stagecraft's own objects go");
        assertTrue(down.kept().get(0).startsWith("namespace " + ns), String.valueOf(down.kept()));
        assertNotNull(client.namespaces().withName(ns).get(), "a namespace holding foreign objects is kept");
    }

    @Test
    void aNamespaceThatIsNotStagecraftsIsRefused() {
        String env = env();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName(KubernetesObjects.namespaceOf(env)).endMetadata().build()).create();
        failedSaying(runtime.setup(env, oneService("api", "registry/api:1"), Map.of(), null, listener),
                "was not created by Stagecraft");
        assertTrue(runtime.teardown(env, List.of(), listener).kept().get(0).contains("not created by Stagecraft"));
        assertNotNull(client.namespaces().withName(KubernetesObjects.namespaceOf(env)).get());
    }

    @Test
    void namespacesAreDnsLabelsOfAtMost63Characters() {
        String longId = "a-very-long-application-name-for-tests-feature-branch-with-many-words-0a1b2c";
        String ns = KubernetesObjects.namespaceOf(longId);
        assertTrue(ns.length() <= 63 && ns.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), ns);
        assertFalse(ns.equals(KubernetesObjects.namespaceOf(longId + "x")), "distinct ids, distinct namespaces");
    }

    /**
     * A whole lifecycle (setup with a job, patch, a changed host name, teardown), every request the runtime made for
     * it checked against deploy/kubernetes: requests inside the environment's namespace against the role bound only
     * there, the others against the cluster-wide role, which holds no right to Secrets or workloads. Both roles grant
     * nothing the runtime does not use. Independent of the other tests: it runs in any order.
     */
    @Test
    void theRolesCoverEveryCallOfALifecycleAndTheClusterWideOneGrantsNoSecretOrWorkload() throws Exception {
        synchronized (KubernetesRuntimeTest.class) {
            drainRequests();
            String env = env();
            setUpThreeServices(env);
            assertTrue(runtime.patch(env, threeServices("registry/web:2"), images("registry/web:2"), "c2", listener)
                    .succeeded());
            EnvironmentSpec moved = threeServices("registry/web:2");
            moved = new EnvironmentSpec("shop", moved.services(), moved.variables(), moved.jobs(), moved.workflows(),
                    Map.of("web", "moved-" + webHost), moved.sharedVolumes(), "ephemeral", null);
            assertTrue(runtime.setup(env, moved, images("registry/web:2"), "c2", listener).succeeded());
            assertTrue(runtime.pause(env, moved, listener).succeeded());
            assertTrue(runtime.resume(env, moved, listener).succeeded());
            // the installation's policy changed (tighter quota and defaults, another ingress namespace), the web
            // service moved to another port and the db must run as root: the next setup converges the fence, the
            // Service and the namespace's Pod Security labels in place
            NamespacePolicy tighter = new NamespacePolicy("ingress-system", POLICY.egressExcept(), "6", "12Gi", 40,
                    "40Gi", 8, "500m", "256Mi", POLICY.hostSuffixes(), POLICY.serviceAccount());
            KubernetesRuntime retuned = new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), "nginx",
                    new IngressTls("preview-tls", null), PULL_SECRET, null,
                    value -> value.startsWith("sealed:") ? value.substring(7) : value, tighter);
            List<ServiceSpec> ported = moved.services().stream().map(s -> switch (s.name()) {
                case "web" -> new ServiceSpec(s.name(), s.image(), s.build(), 9090, s.envs(), s.command(), s.args(),
                        List.of(new PortSpec("node_port", 9090, 80)), s.readinessProbe(), s.livenessProbe(),
                        s.resources(), s.replicas(), s.volumes(), s.dependsOn(), s.runAsRoot());
                case "db" -> new ServiceSpec(s.name(), s.image(), s.build(), s.port(), s.envs(), s.command(), s.args(),
                        s.ports(), s.readinessProbe(), s.livenessProbe(), s.resources(), s.replicas(), s.volumes(),
                        s.dependsOn(), true);
                default -> s;
            }).toList();
            EnvironmentSpec retunedSpec = new EnvironmentSpec("shop", ported, moved.variables(), moved.jobs(),
                    moved.workflows(), moved.hostnames(), moved.sharedVolumes(), "ephemeral", null);
            assertTrue(retuned.setup(env, retunedSpec, images("registry/web:2"), "c2", listener).succeeded());
            assertTrue(runtime.environmentsWithResources().contains(env), "the teardown-service's inventory");
            var binding = client.rbac().roleBindings().inNamespace(KubernetesObjects.namespaceOf(env))
                    .withName(KubernetesObjects.RUNTIME_BINDING).get();
            assertEquals("stagecraft-environment", binding.getRoleRef().getName());
            assertEquals("stagecraft-runtime", binding.getSubjects().get(0).getName());
            tearDownCleanly(env);
            java.util.Set<ApiCall> calls = drainRequests();
            assertTrue(calls.size() > 20, "the runtime's calls were recorded: " + calls);

            List<HasMetadata> manifests = Manifests.load(client);
            var roles = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.ClusterRole.class);
            var clusterWide = roles.stream().filter(r -> r.getMetadata().getName().equals("stagecraft-runtime"))
                    .findFirst().orElseThrow();
            var inNamespace = roles.stream().filter(r -> r.getMetadata().getName().equals(
                    KubernetesObjects.ENVIRONMENT_ROLE)).findFirst().orElseThrow();
            List<String> uncovered = new ArrayList<>();
            java.util.Set<ApiCall> namespaced = new java.util.HashSet<>();
            java.util.Set<ApiCall> cluster = new java.util.HashSet<>();
            var secretsRole = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.Role.class).stream()
                    .filter(r -> r.getMetadata().getName().equals("stagecraft-runtime-secrets")).findFirst()
                    .orElseThrow();
            java.util.Set<ApiCall> inStagecraft = new java.util.HashSet<>();
            for (ApiCall call : calls) {
                if ("stagecraft".equals(call.namespace())) { // the Secrets it copies, and nothing else
                    inStagecraft.add(call);
                    boolean allowed = secretsRole.getRules().stream().anyMatch(rule -> rule.getResources().contains(
                            call.resource()) && rule.getVerbs().contains(call.verb()));
                    if (!allowed) {
                        uncovered.add(call + " (in the Stagecraft namespace)");
                    }
                    continue;
                }
                // the binding is made before it exists: creating it is a cluster-wide right
                boolean inEnvironment = call.namespace() != null && call.namespace().startsWith("sc-")
                        && !call.resource().equals("rolebindings");
                (inEnvironment ? namespaced : cluster).add(call);
                if (!covers(inEnvironment ? inNamespace : clusterWide, call)) {
                    uncovered.add(call + (inEnvironment ? " (in the environment namespace)" : " (cluster-wide)"));
                }
            }
            assertEquals(java.util.Set.of(new ApiCall("", "secrets", "get", "stagecraft")), inStagecraft,
                    "in the Stagecraft namespace the runtime only reads the Secrets it copies");
            assertEquals(List.of("stagecraft-wildcard-tls", PULL_SECRET), secretsRole.getRules().get(0)
                    .getResourceNames(), "the wildcard certificate and the registry pull Secret, by name");
            assertEquals(List.of(), uncovered, "calls the roles do not allow");
            assertUsed(inNamespace, namespaced);
            assertUsed(clusterWide, cluster.stream().filter(c -> !c.resource().equals("clusterroles")).collect(
                    java.util.stream.Collectors.toSet()));
            for (var rule : clusterWide.getRules()) {
                for (String resource : rule.getResources()) {
                    assertTrue(List.of("namespaces", "ingresses", "rolebindings", "clusterroles").contains(resource),
                            "the cluster-wide role grants " + resource + ": only namespaces, reading Ingresses and"
                                    + " binding the environment role");
                }
                if (rule.getResources().contains("ingresses")) {
                    assertEquals(List.of("list"), rule.getVerbs(), "Ingresses are only listed cluster-wide");
                }
                if (rule.getResources().contains("clusterroles")) {
                    assertEquals(List.of("bind"), rule.getVerbs());
                    assertEquals(List.of(KubernetesObjects.ENVIRONMENT_ROLE), rule.getResourceNames());
                }
            }
            var bindings = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class);
            assertTrue(bindings.stream().noneMatch(b -> b.getRoleRef().getName().equals(
                    KubernetesObjects.ENVIRONMENT_ROLE)), "the environment role is never bound cluster-wide");
        }
    }

    /** How many of the server's recorded requests have been taken. */
    private static int taken;

    /** The runtime's calls among the requests recorded so far (the controllers' own requests never stop). */
    private static java.util.Set<ApiCall> drainRequests() throws InterruptedException {
        java.util.Set<ApiCall> calls = new java.util.HashSet<>();
        for (int pending = server.getRequestCount() - taken; pending > 0; pending--) {
            var r = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
            if (r == null) {
                break;
            }
            taken++;
            if (RUNTIME_AGENT.equals(r.getHeader("User-Agent"))) {
                ApiCall.of(r.getMethod(), r.getPath()).ifPresent(calls::add);
            }
        }
        return calls;
    }

    private static boolean covers(io.fabric8.kubernetes.api.model.rbac.ClusterRole role, ApiCall call) {
        return role.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains(call.group())
                && rule.getResources().contains(call.resource()) && rule.getVerbs().contains(call.verb()));
    }

    /** Every verb the role grants on every resource is one the runtime used in the lifecycle: nothing to spare. */
    private static void assertUsed(io.fabric8.kubernetes.api.model.rbac.ClusterRole role, java.util.Set<ApiCall> calls) {
        List<String> unused = new ArrayList<>();
        for (var rule : role.getRules()) {
            assertFalse(rule.getVerbs().contains("*") || rule.getResources().contains("*"), "no wildcards");
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    if (resource.equals("clusterroles")) {
                        continue; // bind: checked by the API server on the RoleBinding, not a request of its own
                    }
                    for (String verb : rule.getVerbs()) {
                        if (calls.stream().noneMatch(c -> c.group().equals(group) && c.resource().equals(resource)
                                && c.verb().equals(verb))) {
                            unused.add(verb + " " + (group.isEmpty() ? "" : group + "/") + resource);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), unused, role.getMetadata().getName() + " grants what the runtime never uses");
    }

    private static int countObjects(String ns) {
        int n = 0;
        for (Kind kind : Kind.values()) {
            // a replaced job's pod may still be terminating: it is on its way out
            n += (int) kind.listAll(client, ns).stream().filter(o -> o.getMetadata().getDeletionTimestamp() == null)
                    .count();
        }
        return n;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
