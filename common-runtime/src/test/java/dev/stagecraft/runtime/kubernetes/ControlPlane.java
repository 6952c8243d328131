package dev.stagecraft.runtime.kubernetes;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * A Kubernetes control plane for tests that behaves like a real one where the runtime depends on it. The fabric8
 * mock API server (CRUD mode) stores objects; {@link Rules} in front of it answers as a real API server does, and
 * controllers play kube-controller-manager and the kubelet:
 * <ul>
 * <li>a new namespace gets the {@value #ROOT_CA} ConfigMap (root CA publisher) and the
 * {@code kubernetes.io/metadata.name} label;</li>
 * <li>a deleted namespace stays Terminating for {@link #NAMESPACE_FINALIZE_MS} while the namespace controller empties
 * it, and creating anything in it is refused (403); creating in a namespace that does not exist is refused (404);</li>
 * <li>a Deployment rolls through ReplicaSets (pod-template-hash, revision annotation): the new ReplicaSet's pods
 * start, and the old ReplicaSet's pods stay until they are ready (RollingUpdate) or go first (Recreate); the status
 * says what {@code kubectl rollout status} reads;</li>
 * <li>pods start after {@link #POD_START_MS} as {@link FakeKubelet} is told; an image that cannot be pulled goes
 * through ErrImagePull to ImagePullBackOff; a deleted pod terminates for a grace period;</li>
 * <li>Jobs run a pod and report Complete or Failed; the garbage collector deletes what an owner left behind;</li>
 * <li>a provisioner and the PersistentVolume controller: a new claim gets a new volume of its class and size (a
 * clone of its {@code dataSource} claim's volume, once that one is bound), both Bound, the claim's
 * {@code spec.volumeName} and the volume's {@code claimRef} (with the claim's uid) naming each other; a claim created
 * with {@code spec.volumeName} is bound to that volume when its claimRef names the claim or nothing, and stays Pending
 * otherwise; a volume whose claim is gone is deleted (reclaim policy Delete) or Released (Retain), and a volume
 * whose claimRef names a claim not yet created (no uid) waits for it;</li>
 * <li>changes to immutable fields are refused with 422, stale resourceVersions with 409 (the CRUD mock), a PUT keeps
 * the status the controllers wrote, Services get a cluster IP, and an admission annotation is added to every created
 * object, which an update must keep.</li>
 * </ul>
 * It cannot simulate scheduling, networking, real images, quotas being enforced or admission webhooks beyond the
 * annotation: those are for a real cluster (deploy/kubernetes/smoke.sh).
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ControlPlane.class);

    /** The user agent of the controllers; their own requests are not subject to the rules that model other clients. */
    static final String AGENT = "control-plane-controllers";
    public static final String ROOT_CA = "kube-root-ca.crt";
    /** The annotation admission adds to every object it admits; an update that drops it loses another team's data. */
    public static final String ADMITTED = "admission.control-plane.test/admitted";
    /** The finalizer the namespace controller holds while it empties a namespace. */
    static final String NAMESPACE_FINALIZER = "kubernetes";
    /** Holds a deleted pod for its termination grace period. */
    static final String GRACE_FINALIZER = "control-plane.test/termination-grace";
    static final String FOREGROUND = "foregroundDeletion";
    static final String REVISION = "deployment.kubernetes.io/revision";

    static final long NAMESPACE_FINALIZE_MS = 1500;
    static final long POD_START_MS = 150;
    static final long PULL_BACKOFF_MS = 800;
    static final long POD_GRACE_MS = 300;

    private final KubernetesMockServer server;
    private final Rules rules;
    private final KubernetesClient controllers;
    private final FakeKubelet kubelet = new FakeKubelet();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "control-plane");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> since = new ConcurrentHashMap<>();
    private final Set<String> jobsSeen = ConcurrentHashMap.newKeySet();
    private final List<Watch> watches = new ArrayList<>();
    private volatile boolean closed;

    private ControlPlane() {
        rules = new Rules();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), rules, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        controllers = client(AGENT);
        watches.add(controllers.namespaces().watch(watcher(n -> enqueue("namespace/" + n.getMetadata().getName(), 0,
                () -> namespace(n.getMetadata().getName())), null)));
        watches.add(controllers.apps().deployments().inAnyNamespace().watch(watcher(this::deploymentChanged,
                d -> collectGarbage(d.getMetadata().getNamespace()))));
        watches.add(controllers.apps().replicaSets().inAnyNamespace().watch(watcher(rs -> ownerChanged(rs),
                rs -> collectGarbage(rs.getMetadata().getNamespace()))));
        watches.add(controllers.pods().inAnyNamespace().watch(watcher(this::podChanged, this::podChanged)));
        watches.add(controllers.batch().v1().jobs().inAnyNamespace().watch(watcher(j -> enqueue(key("job", j), 0,
                () -> job(j.getMetadata().getNamespace(), j.getMetadata().getName())),
                j -> collectGarbage(j.getMetadata().getNamespace()))));
        watches.add(controllers.persistentVolumeClaims().inAnyNamespace().watch(watcher(c -> enqueue(key("claim", c), 0,
                () -> bind(c.getMetadata().getNamespace(), c.getMetadata().getName())),
                c -> enqueue("volumes", 0, this::volumes))));
        watches.add(controllers.persistentVolumes().watch(watcher(v -> enqueue("volumes", 0, this::volumes),
                v -> enqueue("volumes", 0, this::volumes))));
    }

    /** Starts the API server on a port of 127.0.0.1 the kernel picks, and its controllers. */
    public static ControlPlane start() {
        return new ControlPlane();
    }

    /** A client of this control plane that sends {@code userAgent} (tests tell their clients apart by it). */
    public KubernetesClient client(String userAgent) {
        return server.createClient(b -> b.editOrNewConfig().withUserAgent(userAgent).endConfig());
    }

    public KubernetesMockServer server() {
        return server;
    }

    public int port() {
        return server.getPort();
    }

    public FakeKubelet kubelet() {
        return kubelet;
    }

    /** The next {@code n} PUTs from {@code userAgent} are answered 409 Conflict, as when another writer came first. */
    public void conflictNext(String userAgent, int n) {
        rules.conflicts.put(userAgent, new AtomicInteger(n));
    }

    /** Every request of {@code userAgent} under {@code pathPrefix} is refused 403 Forbidden, as RBAC refuses it. */
    public void forbid(String userAgent, String pathPrefix) {
        rules.forbidden.put(userAgent + " " + pathPrefix, pathPrefix);
    }

    /** How many of the conflicts asked for are still to be answered. */
    public int conflictsLeft(String userAgent) {
        AtomicInteger left = rules.conflicts.get(userAgent);
        return left == null ? 0 : left.get();
    }

    @Override
    public void close() {
        closed = true;
        watches.forEach(Watch::close);
        loop.shutdownNow();
        controllers.close();
        server.destroy();
    }

    // ---------------------------------------------------------------- the controllers' work queue

    private static String key(String kind, HasMetadata o) {
        return kind + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    /** Runs {@code work} once after {@code delayMs}, however often it is asked for meanwhile (level-triggered). */
    private void enqueue(String key, long delayMs, Runnable work) {
        if (closed || !queued.add(key)) {
            return;
        }
        loop.schedule(() -> {
            queued.remove(key);
            try {
                work.run();
            } catch (KubernetesClientException e) {
                if (!closed) {
                    LOG.debugf("control plane: %s again after %s", key, e.getMessage());
                    enqueue(key, 50, work);
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warnf(e, "control plane: %s failed", key);
                }
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    private static <T> Watcher<T> watcher(java.util.function.Consumer<T> changed, java.util.function.Consumer<T> deleted) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                if (action == Action.DELETED) {
                    if (deleted != null) {
                        deleted.accept(resource);
                    }
                } else if (action != Action.ERROR) {
                    changed.accept(resource);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
    }

    private long elapsed(String key) {
        return System.currentTimeMillis() - since.computeIfAbsent(key, k -> System.currentTimeMillis());
    }

    // ---------------------------------------------------------------- namespaces

    /** The root CA publisher for a live namespace; the namespace controller for a Terminating one. */
    private void namespace(String name) {
        Namespace ns = controllers.namespaces().withName(name).get();
        if (ns == null) {
            since.remove("terminating/" + name);
            return;
        }
        if (ns.getMetadata().getDeletionTimestamp() == null) {
            if (controllers.configMaps().inNamespace(name).withName(ROOT_CA).get() == null) {
                controllers.configMaps().inNamespace(name).resource(new ConfigMapBuilder().withNewMetadata()
                        .withName(ROOT_CA).withAnnotations(Map.of("kubernetes.io/description", "Contains a CA bundle"
                                + " that can be used to verify the kube-apiserver when using internal endpoints"))
                        .endMetadata().addToData("ca.crt", "-----BEGIN CERTIFICATE-----\n...\n").build()).create();
            }
            return;
        }
        long waited = elapsed("terminating/" + name);
        if (waited < NAMESPACE_FINALIZE_MS) {
            enqueue("namespace/" + name, NAMESPACE_FINALIZE_MS - waited, () -> namespace(name));
            return;
        }
        boolean empty = true;
        for (var kind : sweptKinds()) {
            for (HasMetadata o : kind.apply(name)) {
                empty = false;
                if (o.getMetadata().getDeletionTimestamp() == null) {
                    controllers.resource(o).inNamespace(name).delete();
                } else if (o.getMetadata().getFinalizers() != null
                        && o.getMetadata().getFinalizers().contains(GRACE_FINALIZER)) {
                    finishTermination(o);
                }
            }
        }
        if (!empty) {
            enqueue("namespace/" + name, 500, () -> namespace(name));
            return;
        }
        if (ns.getSpec() != null) {
            ns.getSpec().setFinalizers(List.of());
        }
        release(ns, NAMESPACE_FINALIZER);
        since.remove("terminating/" + name);
    }

    private List<java.util.function.Function<String, List<? extends HasMetadata>>> sweptKinds() {
        List<java.util.function.Function<String, List<? extends HasMetadata>>> kinds = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            kinds.add(ns -> kind.listAll(controllers, ns));
        }
        kinds.add(ns -> controllers.apps().replicaSets().inNamespace(ns).list().getItems());
        kinds.add(ns -> controllers.rbac().roleBindings().inNamespace(ns).list().getItems());
        return kinds;
    }

    // ---------------------------------------------------------------- deployments and their ReplicaSets

    private void deploymentChanged(Deployment d) {
        enqueue(key("deployment", d), 0, () -> deployment(d.getMetadata().getNamespace(), d.getMetadata().getName()));
    }

    private void ownerChanged(HasMetadata o) {
        for (OwnerReference owner : owners(o)) {
            String ns = o.getMetadata().getNamespace();
            switch (owner.getKind()) {
                case "Deployment" -> enqueue("deployment/" + ns + "/" + owner.getName(), 0,
                        () -> deployment(ns, owner.getName()));
                case "ReplicaSet" -> {
                    ReplicaSet rs = controllers.apps().replicaSets().inNamespace(ns).withName(owner.getName()).get();
                    if (rs != null) {
                        ownerChanged(rs);
                    }
                }
                case "Job" -> enqueue("job/" + ns + "/" + owner.getName(), 0, () -> job(ns, owner.getName()));
                default -> {
                }
            }
        }
    }

    private static List<OwnerReference> owners(HasMetadata o) {
        return o.getMetadata().getOwnerReferences() == null ? List.of() : o.getMetadata().getOwnerReferences();
    }

    private static boolean ownedBy(HasMetadata o, HasMetadata owner) {
        return owners(o).stream().anyMatch(r -> Objects.equals(r.getUid(), owner.getMetadata().getUid()));
    }

    private static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
    }

    /** The deployment controller and the ReplicaSet controller, for one Deployment. */
    private void deployment(String ns, String name) {
        Deployment d = controllers.apps().deployments().inNamespace(ns).withName(name).get();
        if (d == null) {
            return;
        }
        List<ReplicaSet> sets = new ArrayList<>(controllers.apps().replicaSets().inNamespace(ns).list().getItems()
                .stream().filter(rs -> ownedBy(rs, d)).toList());
        if (d.getMetadata().getDeletionTimestamp() != null) {
            foregroundDeletion(d, sets.stream().map(rs -> (HasMetadata) rs).toList());
            return;
        }
        String hash = templateHash(d);
        ReplicaSet current = sets.stream().filter(rs -> hash.equals(rs.getMetadata().getLabels()
                .get(Readiness.TEMPLATE_HASH))).findFirst().orElse(null);
        long newest = sets.stream().mapToLong(ControlPlane::revision).max().orElse(0);
        if (current == null) {
            current = controllers.apps().replicaSets().inNamespace(ns).resource(replicaSet(d, hash, newest + 1))
                    .create();
            since.put("progress/" + ns + "/" + name, System.currentTimeMillis());
            sets.add(current);
        } else if (revision(current) < newest) {
            long next = newest + 1; // back to an earlier template: that ReplicaSet becomes the newest revision
            current = controllers.apps().replicaSets().inNamespace(ns).withName(current.getMetadata().getName())
                    .edit(rs -> {
                        rs.getMetadata().getAnnotations().put(REVISION, String.valueOf(next));
                        return rs;
                    });
            since.put("progress/" + ns + "/" + name, System.currentTimeMillis());
        }
        String revision = String.valueOf(revision(current));
        if (d.getMetadata().getAnnotations() == null || !revision.equals(d.getMetadata().getAnnotations().get(REVISION))) {
            controllers.apps().deployments().inNamespace(ns).withName(name).edit(x -> {
                x.getMetadata().setAnnotations(new LinkedHashMap<>(x.getMetadata().getAnnotations() == null ? Map.of()
                        : x.getMetadata().getAnnotations()));
                x.getMetadata().getAnnotations().put(REVISION, revision);
                return x;
            });
            return; // the edit wakes this controller again
        }
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        boolean recreate = d.getSpec().getStrategy() != null && "Recreate".equals(d.getSpec().getStrategy().getType());
        Map<String, List<Pod>> pods = new HashMap<>();
        for (Pod pod : controllers.pods().inNamespace(ns).list().getItems()) {
            for (ReplicaSet rs : sets) {
                if (ownedBy(pod, rs)) {
                    pods.computeIfAbsent(rs.getMetadata().getName(), k -> new ArrayList<>()).add(pod);
                }
            }
        }
        ReplicaSet newSet = current;
        List<Pod> newPods = live(pods.getOrDefault(newSet.getMetadata().getName(), List.of()));
        int readyNew = (int) newPods.stream().filter(ControlPlane::ready).count();
        boolean oldLeft = false;
        for (ReplicaSet rs : sets) {
            if (rs == newSet) {
                continue;
            }
            List<Pod> old = pods.getOrDefault(rs.getMetadata().getName(), List.of());
            oldLeft |= !old.isEmpty();
            // RollingUpdate (maxUnavailable 0): an old pod goes once the new ones are ready; Recreate: at once
            if (recreate || readyNew >= desired) {
                live(old).forEach(this::terminate);
            }
        }
        if (!recreate || !oldLeft) {
            for (int i = newPods.size(); i < desired; i++) {
                controllers.pods().inNamespace(ns).resource(pod(newSet)).create();
            }
            for (int i = desired; i < newPods.size(); i++) {
                terminate(newPods.get(i));
            }
        }
        writeStatus(d, sets, pods, newSet, desired);
    }

    private void writeStatus(Deployment d, List<ReplicaSet> sets, Map<String, List<Pod>> pods, ReplicaSet newSet,
            int desired) {
        List<Pod> all = new ArrayList<>();
        sets.forEach(rs -> all.addAll(live(pods.getOrDefault(rs.getMetadata().getName(), List.of()))));
        List<Pod> updated = live(pods.getOrDefault(newSet.getMetadata().getName(), List.of()));
        int ready = (int) all.stream().filter(ControlPlane::ready).count();
        boolean complete = updated.size() == desired && all.size() == desired
                && updated.stream().filter(ControlPlane::ready).count() >= desired;
        String progressKey = "progress/" + d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        Integer deadline = d.getSpec().getProgressDeadlineSeconds();
        DeploymentCondition progressing;
        if (complete) {
            progressing = condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \""
                    + newSet.getMetadata().getName() + "\" has successfully progressed.");
        } else if (deadline != null && elapsed(progressKey) > deadline * 1000L) {
            progressing = condition("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \""
                    + newSet.getMetadata().getName() + "\" has timed out progressing.");
        } else {
            progressing = condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \""
                    + newSet.getMetadata().getName() + "\" is progressing.");
            if (deadline != null) {
                enqueue(key("deployment", d), deadline * 1000L, () -> deployment(d.getMetadata().getNamespace(),
                        d.getMetadata().getName()));
            }
        }
        DeploymentStatus status = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(all.size()).withUpdatedReplicas(updated.size()).withReadyReplicas(ready)
                .withAvailableReplicas(ready).withUnavailableReplicas(Math.max(0, all.size() - ready))
                .withConditions(condition("Available", ready >= desired ? "True" : "False", ready >= desired
                        ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable", null), progressing).build();
        if (!status.equals(d.getStatus())) {
            d.setStatus(status);
            controllers.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
        }
    }

    private static DeploymentCondition condition(String type, String status, String reason, String message) {
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).build();
    }

    private static long revision(ReplicaSet rs) {
        String r = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(REVISION);
        return r == null ? 0 : Long.parseLong(r);
    }

    private static String templateHash(Deployment d) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Serialization.asJson(d.getSpec().getTemplate())
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ReplicaSet replicaSet(Deployment d, String hash, long revision) {
        Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(Readiness.TEMPLATE_HASH, hash);
        Map<String, String> selector = new LinkedHashMap<>(d.getSpec().getSelector().getMatchLabels());
        selector.put(Readiness.TEMPLATE_HASH, hash);
        var template = Serialization.clone(d.getSpec().getTemplate());
        template.getMetadata().setLabels(labels);
        return new ReplicaSetBuilder().withNewMetadata().withName(d.getMetadata().getName() + "-" + hash)
                .withNamespace(d.getMetadata().getNamespace()).withLabels(labels)
                .withAnnotations(Map.of(REVISION, String.valueOf(revision)))
                .withOwnerReferences(ownerReference(d)).endMetadata().withNewSpec()
                .withReplicas(d.getSpec().getReplicas()).withNewSelector().withMatchLabels(selector).endSelector()
                .withTemplate(template).endSpec().build();
    }

    private static Pod pod(ReplicaSet rs) {
        String suffix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
        return new PodBuilder().withNewMetadata().withName(rs.getMetadata().getName() + "-" + suffix)
                .withNamespace(rs.getMetadata().getNamespace())
                .withLabels(rs.getSpec().getTemplate().getMetadata().getLabels())
                .withOwnerReferences(ownerReference(rs)).endMetadata()
                .withSpec(Serialization.clone(rs.getSpec().getTemplate().getSpec()))
                .withNewStatus().withPhase("Pending").endStatus().build();
    }

    private static List<Pod> live(List<Pod> pods) {
        return pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Deletes the dependents of an object deleted in the foreground, then lets the object go. */
    private void foregroundDeletion(HasMetadata owner, List<HasMetadata> dependents) {
        List<String> finalizers = owner.getMetadata().getFinalizers();
        if (finalizers == null || !finalizers.contains(FOREGROUND)) {
            return;
        }
        List<Pod> pods = controllers.pods().inNamespace(owner.getMetadata().getNamespace()).list().getItems();
        boolean left = false;
        for (HasMetadata dependent : dependents) {
            left = true;
            for (Pod pod : pods) {
                if (ownedBy(pod, dependent)) {
                    terminate(pod);
                }
            }
            if (pods.stream().noneMatch(p -> ownedBy(p, dependent))) {
                controllers.resource(dependent).delete();
            }
        }
        for (Pod pod : pods) {
            if (ownedBy(pod, owner)) {
                left = true;
                terminate(pod);
            }
        }
        if (!left) {
            release(owner, FOREGROUND);
        } else {
            String ns = owner.getMetadata().getNamespace();
            String name = owner.getMetadata().getName();
            String kind = owner.getKind();
            enqueue(kind.toLowerCase() + "/" + ns + "/" + name, 100, () -> {
                if ("Deployment".equals(kind)) {
                    deployment(ns, name);
                } else {
                    job(ns, name);
                }
            });
        }
    }

    // ---------------------------------------------------------------- pods: the kubelet

    private void podChanged(Pod pod) {
        enqueue(key("pod", pod), 0, () -> kubelet(pod.getMetadata().getNamespace(), pod.getMetadata().getName()));
        ownerChanged(pod);
    }

    /** Starts a pending pod as told, moves a failed pull to back-off, and ends a pod's termination grace. */
    private void kubelet(String ns, String name) {
        Pod pod = controllers.pods().inNamespace(ns).withName(name).get();
        String key = "pod/" + ns + "/" + name;
        if (pod == null) {
            since.remove(key);
            since.remove("pull/" + ns + "/" + name);
            since.remove("grace/" + ns + "/" + name);
            return;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            long waited = elapsed("grace/" + ns + "/" + name);
            if (waited < POD_GRACE_MS) {
                enqueue(key, POD_GRACE_MS - waited, () -> kubelet(ns, name));
            } else {
                finishTermination(pod);
            }
            return;
        }
        var status = pod.getStatus();
        boolean pending = status == null || status.getContainerStatuses() == null
                || status.getContainerStatuses().isEmpty();
        if (pending) {
            long waited = elapsed(key);
            if (waited < POD_START_MS) {
                enqueue(key, POD_START_MS - waited, () -> kubelet(ns, name));
                return;
            }
            pod.setStatus(kubelet.start(pod));
            controllers.pods().inNamespace(ns).resource(pod).updateStatus();
            if (FakeKubelet.pulling(pod)) {
                since.put("pull/" + ns + "/" + name, System.currentTimeMillis());
                enqueue(key, PULL_BACKOFF_MS, () -> kubelet(ns, name));
            }
            return;
        }
        if (FakeKubelet.pulling(pod)) {
            long waited = elapsed("pull/" + ns + "/" + name);
            if (waited < PULL_BACKOFF_MS) {
                enqueue(key, PULL_BACKOFF_MS - waited, () -> kubelet(ns, name));
                return;
            }
            pod.setStatus(FakeKubelet.backOff(pod));
            controllers.pods().inNamespace(ns).resource(pod).updateStatus();
        }
    }

    /** Begins a pod's graceful termination: it stays, with a deletionTimestamp, until its grace period is over. */
    private void terminate(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() == null) {
            controllers.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .delete();
        }
    }

    private void finishTermination(HasMetadata o) {
        release(o, GRACE_FINALIZER);
    }

    /** Removes a finalizer from an object being deleted; the API server removes the object with its last one. */
    private void release(HasMetadata o, String finalizer) {
        HasMetadata fresh = controllers.resource(o).get();
        if (fresh == null || fresh.getMetadata().getFinalizers() == null) {
            return;
        }
        fresh.getMetadata().setFinalizers(new ArrayList<>(fresh.getMetadata().getFinalizers().stream()
                .filter(f -> !f.equals(finalizer)).toList()));
        if (fresh instanceof Namespace n && o instanceof Namespace given) {
            n.setSpec(given.getSpec());
        }
        controllers.resource(fresh).update();
    }

    // ---------------------------------------------------------------- jobs and the garbage collector

    /** The job controller: one pod per Job, and the Job's status from that pod's end. */
    private void job(String ns, String name) {
        Job job = controllers.batch().v1().jobs().inNamespace(ns).withName(name).get();
        if (job == null) {
            return;
        }
        List<Pod> pods = controllers.pods().inNamespace(ns).list().getItems().stream().filter(p -> ownedBy(p, job))
                .toList();
        if (job.getMetadata().getDeletionTimestamp() != null) {
            foregroundDeletion(job, List.of());
            return;
        }
        if (jobsSeen.add(job.getMetadata().getUid())) {
            kubelet.jobCreated(job);
        }
        if (pods.isEmpty() && (job.getStatus() == null || job.getStatus().getStartTime() == null)) {
            Map<String, String> labels = new LinkedHashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
            labels.put("job-name", name);
            labels.put("batch.kubernetes.io/job-name", name);
            controllers.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata()
                    .withName(name + "-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36),
                            36))
                    .withNamespace(ns).withLabels(labels).withOwnerReferences(ownerReference(job)).endMetadata()
                    .withSpec(Serialization.clone(job.getSpec().getTemplate().getSpec())).withNewStatus()
                    .withPhase("Pending").endStatus().build()).create();
            job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withActive(1)
                    .withStartTime(Instant.now().toString()).build());
            controllers.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
            return;
        }
        boolean finished = job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus()
                .getConditions().stream().anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c
                        .getType())) && "True".equals(c.getStatus()));
        if (finished) {
            return;
        }
        var status = kubelet.jobStatus(job, pods);
        if (status != null) {
            job.setStatus(status);
            controllers.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
        }
    }

    /** Deletes ReplicaSets and pods whose owner is gone (background deletion of the owner). */
    private void collectGarbage(String ns) {
        enqueue("gc/" + ns, 0, () -> {
            Map<String, HasMetadata> owners = new HashMap<>();
            controllers.apps().deployments().inNamespace(ns).list().getItems().forEach(o -> owners.put(o
                    .getMetadata().getUid(), o));
            controllers.batch().v1().jobs().inNamespace(ns).list().getItems().forEach(o -> owners.put(o
                    .getMetadata().getUid(), o));
            List<ReplicaSet> sets = controllers.apps().replicaSets().inNamespace(ns).list().getItems();
            sets.forEach(o -> owners.put(o.getMetadata().getUid(), o));
            for (ReplicaSet rs : sets) {
                if (orphaned(rs, owners)) {
                    controllers.apps().replicaSets().inNamespace(ns).withName(rs.getMetadata().getName()).delete();
                    owners.remove(rs.getMetadata().getUid());
                }
            }
            for (Pod pod : controllers.pods().inNamespace(ns).list().getItems()) {
                if (orphaned(pod, owners)) {
                    terminate(pod);
                }
            }
        });
    }

    private static boolean orphaned(HasMetadata o, Map<String, HasMetadata> owners) {
        return !owners(o).isEmpty() && owners(o).stream().noneMatch(r -> owners.containsKey(r.getUid()));
    }

    // ---------------------------------------------------------------- claims and volumes

    /** The annotation on a volume provisioned as a clone: the volume it was cloned from. */
    static final String CLONED_FROM = "control-plane.test/cloned-from";
    static final String PROVISIONER = "csi.control-plane.test";

    /** The provisioner and the PersistentVolume controller for one claim. */
    private void bind(String ns, String name) {
        PersistentVolumeClaim claim = controllers.persistentVolumeClaims().inNamespace(ns).withName(name).get();
        if (claim == null || claim.getMetadata().getDeletionTimestamp() != null || (claim.getStatus() != null
                && "Bound".equals(claim.getStatus().getPhase()))) {
            return;
        }
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName != null) {
            PersistentVolume volume = controllers.persistentVolumes().withName(volumeName).get();
            if (volume == null || volume.getMetadata().getDeletionTimestamp() != null) {
                return; // Pending until a volume of that name exists
            }
            ObjectReference ref = volume.getSpec().getClaimRef();
            if (ref != null && !(ns.equals(ref.getNamespace()) && name.equals(ref.getName())
                    && (ref.getUid() == null || ref.getUid().equals(claim.getMetadata().getUid())))) {
                return; // the volume is another claim's: Pending
            }
            volume.getSpec().setClaimRef(claimRef(claim));
            volume = controllers.persistentVolumes().resource(volume).update();
            volume.setStatus(new PersistentVolumeStatusBuilder().withPhase("Bound").build());
            controllers.persistentVolumes().resource(volume).updateStatus();
            claimBound(claim, volume);
            return;
        }
        String clonedFrom = null;
        if (claim.getSpec().getDataSource() != null) {
            var source = claim.getSpec().getDataSource();
            PersistentVolumeClaim from = "PersistentVolumeClaim".equals(source.getKind())
                    ? controllers.persistentVolumeClaims().inNamespace(ns).withName(source.getName()).get() : null;
            if (from == null || from.getSpec().getVolumeName() == null) {
                enqueue(key("claim", claim), 100, () -> bind(ns, name)); // the source is not bound yet
                return;
            }
            clonedFrom = from.getSpec().getVolumeName();
        }
        Map<String, String> annotations = new LinkedHashMap<>(Map.of("pv.kubernetes.io/provisioned-by", PROVISIONER));
        if (clonedFrom != null) {
            annotations.put(CLONED_FROM, clonedFrom);
        }
        String pv = "pvc-" + claim.getMetadata().getUid();
        PersistentVolume volume = controllers.persistentVolumes().resource(new PersistentVolumeBuilder()
                .withNewMetadata().withName(pv).withAnnotations(annotations).endMetadata().withNewSpec()
                .withCapacity(claim.getSpec().getResources().getRequests())
                .withAccessModes(claim.getSpec().getAccessModes())
                .withStorageClassName(claim.getSpec().getStorageClassName())
                .withPersistentVolumeReclaimPolicy("Delete").withClaimRef(claimRef(claim))
                .withNewCsi().withDriver(PROVISIONER).withVolumeHandle(pv).endCsi().endSpec().build()).create();
        volume.setStatus(new PersistentVolumeStatusBuilder().withPhase("Bound").build());
        controllers.persistentVolumes().resource(volume).updateStatus();
        claim.getSpec().setVolumeName(pv);
        claimBound(controllers.persistentVolumeClaims().inNamespace(ns).resource(claim).update(), volume);
    }

    private void claimBound(PersistentVolumeClaim claim, PersistentVolume volume) {
        claim.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                .withAccessModes(volume.getSpec().getAccessModes()).withCapacity(volume.getSpec().getCapacity())
                .build());
        controllers.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(claim)
                .updateStatus();
    }

    private static ObjectReference claimRef(PersistentVolumeClaim claim) {
        return new ObjectReferenceBuilder().withApiVersion("v1").withKind("PersistentVolumeClaim")
                .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                .withUid(claim.getMetadata().getUid()).build();
    }

    /**
     * The PersistentVolume controller over every volume: one whose bound claim is gone is deleted or Released by its
     * reclaim policy; claims waiting for a named volume are tried again.
     */
    private void volumes() {
        for (PersistentVolume listed : controllers.persistentVolumes().list().getItems()) {
            if (!claimGone(listed)) {
                continue;
            }
            // as the real controller: decided again on a fresh read, and Released with an update at its
            // resourceVersion (409 when a client re-bound the volume meanwhile), before the deleter deletes it
            PersistentVolume volume = controllers.persistentVolumes().withName(listed.getMetadata().getName()).get();
            if (volume == null || !claimGone(volume)) {
                continue;
            }
            if (volume.getStatus() == null || !"Released".equals(volume.getStatus().getPhase())) {
                volume.setStatus(new PersistentVolumeStatusBuilder().withPhase("Released").build());
                volume = controllers.persistentVolumes().resource(volume).updateStatus();
            }
            if ("Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy())) {
                PersistentVolume now = controllers.persistentVolumes().withName(volume.getMetadata().getName()).get();
                if (now != null && claimGone(now) && "Delete".equals(now.getSpec().getPersistentVolumeReclaimPolicy())) {
                    controllers.persistentVolumes().withName(volume.getMetadata().getName()).delete();
                }
            }
        }
        for (PersistentVolumeClaim claim : controllers.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
            if (claim.getSpec().getVolumeName() != null && (claim.getStatus() == null
                    || !"Bound".equals(claim.getStatus().getPhase()))) {
                enqueue(key("claim", claim), 0, () -> bind(claim.getMetadata().getNamespace(),
                        claim.getMetadata().getName()));
            }
        }
    }

    /** Whether the claim the volume was bound to (its claimRef with a uid) is gone. */
    private boolean claimGone(PersistentVolume volume) {
        ObjectReference ref = volume.getSpec().getClaimRef();
        if (volume.getMetadata().getDeletionTimestamp() != null || ref == null || ref.getUid() == null) {
            return false; // unclaimed, or waiting for the claim its claimRef names
        }
        PersistentVolumeClaim claim = controllers.persistentVolumeClaims().inNamespace(ref.getNamespace())
                .withName(ref.getName()).get();
        return claim == null || !ref.getUid().equals(claim.getMetadata().getUid());
    }

    // ---------------------------------------------------------------- the API server's rules

    /** The rules of a real API server that the CRUD mock does not keep, in front of it. */
    final class Rules extends KubernetesCrudDispatcher {

        final Map<String, AtomicInteger> conflicts = new ConcurrentHashMap<>();
        final Map<String, String> forbidden = new ConcurrentHashMap<>();
        private final AtomicInteger clusterIps = new AtomicInteger(10);

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String agent = request.getHeader("User-Agent");
            for (var rule : forbidden.entrySet()) {
                if (rule.getKey().equals(agent + " " + rule.getValue()) && request.getPath().startsWith(rule.getValue())) {
                    ApiPath path = ApiPath.parse(request.getPath());
                    return status(403, "Forbidden", (path == null ? request.getPath() : path.resource() + " \""
                            + path.name() + "\"") + " is forbidden: User \"" + agent + "\" cannot "
                            + request.getMethod().toLowerCase() + " this resource");
                }
            }
            if ("GET".equals(request.getMethod())) {
                return super.dispatch(request);
            }
            synchronized (this) {
                try {
                    return ruled(request);
                } catch (RuntimeException e) {
                    LOG.warnf(e, "control plane: %s %s", request.getMethod(), request.getPath());
                    return status(500, "InternalError", e.toString());
                }
            }
        }

        private MockResponse ruled(RecordedRequest request) {
            ApiPath path = ApiPath.parse(request.getPath());
            String agent = request.getHeader("User-Agent");
            boolean controller = AGENT.equals(agent);
            if (path == null) {
                return super.dispatch(request);
            }
            switch (request.getMethod()) {
                case "POST" -> {
                    return create(request, path, controller);
                }
                case "PUT" -> {
                    AtomicInteger left = agent == null ? null : conflicts.get(agent);
                    if (left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        return status(409, "Conflict", "Operation cannot be fulfilled on " + path.resource() + " \""
                                + path.name() + "\": the object has been modified; please apply your changes to the"
                                + " latest version and try again");
                    }
                    return update(request, path);
                }
                case "DELETE" -> {
                    if (controller && !(path.resource().equals("pods") && path.name() != null)) {
                        return super.dispatch(request);
                    }
                    if (path.name() == null) {
                        return deleteCollection(request, path);
                    }
                    return delete(request, path);
                }
                default -> {
                    return super.dispatch(request);
                }
            }
        }

        private MockResponse create(RecordedRequest request, ApiPath path, boolean controller) {
            GenericKubernetesResource body = Serialization.unmarshal(request.getUtf8Body(),
                    GenericKubernetesResource.class);
            if (path.resource().equals("namespaces") && path.namespace() == null) {
                body.getMetadata().setLabels(with(body.getMetadata().getLabels(), "kubernetes.io/metadata.name",
                        body.getMetadata().getName()));
            } else if (path.namespace() != null) {
                GenericKubernetesResource ns = stored("/api/v1/namespaces/" + path.namespace());
                if (ns == null) {
                    return status(404, "NotFound", "namespaces \"" + path.namespace() + "\" not found");
                }
                if (ns.getMetadata().getDeletionTimestamp() != null) {
                    return status(403, "Forbidden", path.resource() + " \"" + body.getMetadata().getName()
                            + "\" is forbidden: unable to create new content in namespace " + path.namespace()
                            + " because it is being terminated");
                }
            }
            if (path.resource().equals("services") && !"None".equals(body.get("spec", "clusterIP"))
                    && body.get("spec", "clusterIP") == null) {
                String ip = "10.96." + (clusterIps.get() / 250) + "." + (clusterIps.getAndIncrement() % 250 + 1);
                Map<String, Object> spec = body.get("spec");
                spec.put("clusterIP", ip);
                spec.put("clusterIPs", List.of(ip));
            }
            if (!controller) {
                body.getMetadata().setAnnotations(with(body.getMetadata().getAnnotations(), ADMITTED, "true"));
            }
            return super.dispatch(rewritten(request, HttpMethod.POST, request.getPath(), Serialization.asJson(body)));
        }

        private MockResponse update(RecordedRequest request, ApiPath path) {
            if (path.name() == null || path.sub() != null) {
                return super.dispatch(request);
            }
            GenericKubernetesResource current = stored(path.objectPath());
            if (current == null) {
                return super.dispatch(request);
            }
            GenericKubernetesResource body = Serialization.unmarshal(request.getUtf8Body(),
                    GenericKubernetesResource.class);
            String immutable = immutableChange(path.resource(), current, body);
            if (immutable != null) {
                return status(422, "Invalid", current.getKind() + " \"" + path.name() + "\" is invalid: " + immutable);
            }
            // a PUT of the object leaves its status alone: only the status subresource writes it
            if (current.getAdditionalProperties().containsKey("status")) {
                body.setAdditionalProperty("status", current.getAdditionalProperties().get("status"));
            } else {
                body.getAdditionalProperties().remove("status");
            }
            return super.dispatch(rewritten(request, HttpMethod.PUT, request.getPath(), Serialization.asJson(body)));
        }

        /** The immutable field {@code wanted} changes, said as the API server says it, or null. */
        private static String immutableChange(String resource, GenericKubernetesResource current,
                GenericKubernetesResource wanted) {
            switch (resource) {
                case "deployments", "replicasets" -> {
                    if (!Objects.equals(current.get("spec", "selector"), wanted.get("spec", "selector"))) {
                        return "spec.selector: Invalid value: " + wanted.get("spec", "selector") + ": field is"
                                + " immutable";
                    }
                }
                case "jobs" -> {
                    if (!Objects.equals(current.get("spec", "template"), wanted.get("spec", "template"))) {
                        return "spec.template: Invalid value: ...: field is immutable";
                    }
                }
                case "services" -> {
                    Object ip = current.get("spec", "clusterIP");
                    if (ip != null && !ip.equals(wanted.get("spec", "clusterIP"))) {
                        return wanted.get("spec", "clusterIP") == null
                                ? "spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset"
                                : "spec.clusterIP: Invalid value: \"" + wanted.get("spec", "clusterIP") + "\": field is"
                                        + " immutable";
                    }
                }
                case "persistentvolumeclaims" -> {
                    Map<String, Object> a = new LinkedHashMap<>(current.get("spec"));
                    Map<String, Object> b = new LinkedHashMap<>(wanted.get("spec"));
                    a.remove("resources");
                    b.remove("resources");
                    a.remove("volumeName");
                    b.remove("volumeName");
                    if (!a.equals(b)) {
                        return "spec: Forbidden: spec is immutable after creation except resources.requests and"
                                + " volumeAttributesClassName for bound claims";
                    }
                }
                case "secrets", "configmaps" -> {
                    if (Boolean.TRUE.equals(current.getAdditionalProperties().get("immutable"))
                            && !Objects.equals(current.getAdditionalProperties().get("data"),
                                    wanted.getAdditionalProperties().get("data"))) {
                        return "data: Forbidden: field is immutable when `immutable` is set";
                    }
                }
                default -> {
                }
            }
            return null;
        }

        /**
         * DELETE as an API server does it: a namespace turns Terminating (its controller empties it, then it goes),
         * a pod terminates for its grace period, and {@code propagationPolicy: Foreground} keeps the object until
         * its dependents are gone. Anything else goes at once; its dependents are collected afterwards.
         */
        private MockResponse delete(RecordedRequest request, ApiPath path) {
            GenericKubernetesResource current = stored(path.objectPath());
            if (current == null) {
                return super.dispatch(request);
            }
            String finalizer = null;
            if (path.resource().equals("namespaces") && path.namespace() == null) {
                finalizer = NAMESPACE_FINALIZER;
                Map<String, Object> spec = current.get("spec") == null ? new LinkedHashMap<>() : current.get("spec");
                spec.put("finalizers", List.of("kubernetes"));
                current.setAdditionalProperty("spec", spec);
                current.setAdditionalProperty("status", Map.of("phase", "Terminating"));
            } else if (path.resource().equals("pods")) {
                finalizer = GRACE_FINALIZER;
            } else if (request.getUtf8Body() != null && request.getUtf8Body().contains("\"Foreground\"")) {
                finalizer = FOREGROUND;
            }
            if (finalizer == null) {
                return super.dispatch(request);
            }
            if (current.getMetadata().getDeletionTimestamp() != null) {
                return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(current));
            }
            current.getMetadata().setDeletionGracePeriodSeconds(finalizer.equals(GRACE_FINALIZER) ? 30L : 0L);
            List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers() == null ? List.of()
                    : current.getMetadata().getFinalizers());
            finalizers.add(finalizer);
            current.getMetadata().setFinalizers(finalizers);
            current.getMetadata().setDeletionTimestamp(Instant.now().toString());
            MockResponse marked = super.dispatch(rewritten(request, HttpMethod.PUT, path.objectPath(),
                    Serialization.asJson(current)));
            if (marked.code() == 200) {
                marked.setResponseCode(200);
                String ns = path.namespace();
                String name = path.name();
                if (path.resource().equals("namespaces")) {
                    since.put("terminating/" + name, System.currentTimeMillis());
                } else if (path.resource().equals("pods")) {
                    since.put("grace/" + ns + "/" + name, System.currentTimeMillis());
                }
            }
            return marked;
        }

        private MockResponse deleteCollection(RecordedRequest request, ApiPath path) {
            MockResponse listed = super.dispatch(rewritten(request, HttpMethod.GET, request.getPath(), null));
            GenericKubernetesResource list = Serialization.unmarshal(new String(listed.getBody().getBytes(),
                    StandardCharsets.UTF_8), GenericKubernetesResource.class);
            List<Map<String, Object>> items = list.get("items") == null ? List.of() : list.get("items");
            for (Map<String, Object> item : items) {
                @SuppressWarnings("unchecked")
                Map<String, Object> metadata = (Map<String, Object>) item.get("metadata");
                ApiPath one = path.named((String) metadata.get("namespace"), (String) metadata.get("name"));
                delete(rewritten(request, HttpMethod.DELETE, one.objectPath(), request.getUtf8Body()), one);
            }
            return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(list));
        }

        private GenericKubernetesResource stored(String objectPath) {
            MockResponse found = super.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, objectPath,
                    io.fabric8.mockwebserver.http.Headers.builder().build(), new Buffer()));
            if (found.code() != 200 || found.getBody() == null) {
                return null;
            }
            return Serialization.unmarshal(new String(found.getBody().getBytes(), StandardCharsets.UTF_8),
                    GenericKubernetesResource.class);
        }

        private static RecordedRequest rewritten(RecordedRequest request, HttpMethod method, String path, String body) {
            return new RecordedRequest("HTTP/1.1", method, path, request.getHeaders(),
                    new Buffer(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8)));
        }

        private static Map<String, String> with(Map<String, String> map, String key, String value) {
            Map<String, String> all = new LinkedHashMap<>(map == null ? Map.of() : map);
            all.put(key, value);
            return all;
        }

        private static MockResponse status(int code, String reason, String message) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("kind", "Status");
            status.put("apiVersion", "v1");
            status.put("status", "Failure");
            status.put("message", message);
            status.put("reason", reason);
            status.put("code", code);
            return new MockResponse().setResponseCode(code).setBody(Serialization.asJson(status));
        }
    }

    /** {@code /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{sub}]]} or the same under {@code /apis/{group}/{version}}. */
    record ApiPath(String prefix, String namespace, String resource, String name, String sub) {

        static ApiPath parse(String raw) {
            String path = raw.contains("?") ? raw.substring(0, raw.indexOf('?')) : raw;
            String[] s = path.substring(1).split("/");
            int i;
            String prefix;
            if (s.length >= 3 && s[0].equals("api")) {
                prefix = "/api/" + s[1];
                i = 2;
            } else if (s.length >= 4 && s[0].equals("apis")) {
                prefix = "/apis/" + s[1] + "/" + s[2];
                i = 3;
            } else {
                return null;
            }
            List<String> rest = List.of(s).subList(i, s.length);
            if (rest.get(0).equals("namespaces")) {
                if (rest.size() == 1) {
                    return new ApiPath(prefix, null, "namespaces", null, null);
                }
                if (rest.size() <= 3 && (rest.size() == 2 || Set.of("status", "finalize").contains(rest.get(2)))) {
                    return new ApiPath(prefix, null, "namespaces", rest.get(1), rest.size() == 3 ? rest.get(2) : null);
                }
                return new ApiPath(prefix, rest.get(1), rest.get(2), rest.size() > 3 ? rest.get(3) : null,
                        rest.size() > 4 ? rest.get(4) : null);
            }
            return new ApiPath(prefix, null, rest.get(0), rest.size() > 1 ? rest.get(1) : null,
                    rest.size() > 2 ? rest.get(2) : null);
        }

        ApiPath named(String ns, String n) {
            return new ApiPath(prefix, ns, resource, n, null);
        }

        String objectPath() {
            return prefix + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + resource + "/" + name;
        }
    }
}
