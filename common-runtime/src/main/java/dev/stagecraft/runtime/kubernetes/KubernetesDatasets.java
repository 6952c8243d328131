package dev.stagecraft.runtime.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.datasets.ConnectionVariables;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.DatasetCheckouts;
import dev.stagecraft.runtime.datasets.DatasetPools;
import dev.stagecraft.runtime.datasets.DatasetSource;
import dev.stagecraft.runtime.datasets.PoolStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimList;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * The datasets of a Kubernetes cluster: for each dataset (PostgreSQL, or MySQL served by MariaDB), a snapshot
 * PersistentVolumeClaim in the datasets namespace restored once from its dump by a Job of the engine's image, and a
 * pool of ready copies, claims cloned from the snapshot (CSI volume cloning, {@code spec.dataSource}) and made ready
 * by a Job that checks them and runs the obfuscation SQL.
 *
 * <p>A claim cannot move to another namespace, but its PersistentVolume can be bound to another claim. A checkout
 * takes a ready copy's volume with one optimistic update (the resourceVersion read): reclaim policy Retain, the
 * environment's labels, and a {@code claimRef} naming the environment's claim. Of two setups that update the same
 * volume, the API server accepts one and answers the other 409 Conflict, so one copy is never handed out twice; the
 * loser tries the next copy. The pool's claim is then deleted (the volume stays: Retain) and the environment's claim
 * is created with {@code spec.volumeName}, which binds it to that volume. Teardown gives the volume back its Delete
 * policy before the environment's claim goes, so the cluster deletes the volume with it ({@link #release}).
 */
public final class KubernetesDatasets implements DatasetPools {

    private static final Logger LOG = Logger.getLogger(KubernetesDatasets.class);
    /**
     * The uid and gid of the postgres user of the official PostgreSQL image, and of the mysql user of the official
     * MariaDB image; the Jobs run as it, and so does the database service serving a copy.
     */
    static final long POSTGRES_UID = 999;
    /** When a volume was claimed for an environment: the sweep leaves a fresh claim alone. */
    static final String CLAIMED_AT = "stagecraft.dev/dataset-claimed-at";
    /** A ConfigMap holds at most 1 MiB; base64 in binaryData makes 4 bytes of 3, so a part is at most this. */
    static final int PART_BYTES = 700 * 1024;
    static final String JOB_SCRIPT = "stagecraft-dataset-job";
    /** A claim being filled or a volume claimed but not yet bound is an orphan only once it is this old. */
    private static final Duration ORPHAN_AGE = Duration.ofMinutes(10);
    private static final Duration BIND_TIMEOUT = Duration.ofMinutes(5);
    private static final long POLL_MS = 100;

    /**
     * How the datasets are kept on this cluster.
     *
     * @param namespace     the namespace of snapshots, pool copies and their Jobs ({@code stagecraft-datasets})
     * @param storageClass  the StorageClass of snapshots and copies, one whose CSI driver clones volumes; null: the
     *                      cluster's default
     * @param size          the size of a snapshot and of each copy
     * @param maxSourceSize the largest dump (with its obfuscation SQL) handed to a restore Job through ConfigMaps
     * @param images        the database image of each dataset's Jobs, by dataset; otherwise {@link #DEFAULT_IMAGE}
     *                      for PostgreSQL, {@link #DEFAULT_MYSQL_IMAGE} for MySQL
     * @param pullSecret    {@code namespace/name} of the Secret with the registry credentials the nodes pull images
     *                      with (the one the runtime copies into environment namespaces): copied into the datasets
     *                      namespace and named by every pod there, so a seed image (or a database image) from that
     *                      registry can be pulled; null: the nodes need no credentials
     */
    public record Options(String namespace, String storageClass, String size, long maxSourceSize,
            Map<String, String> images, String pullSecret) {

        public Options {
            namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
            storageClass = storageClass == null || storageClass.isBlank() ? null : storageClass;
            size = size == null || size.isBlank() ? "10Gi" : size;
            maxSourceSize = maxSourceSize <= 0 ? DEFAULT_MAX_SOURCE : maxSourceSize;
            images = images == null ? Map.of() : Map.copyOf(images);
            pullSecret = pullSecret == null || pullSecret.isBlank() ? null : pullSecret;
            if (pullSecret != null && !pullSecret.matches("[^/]+/[^/]+")) {
                throw new IllegalArgumentException("the registry pull Secret of the datasets must be named as"
                        + " namespace/name, not '" + pullSecret + "'");
            }
        }

        public Options(String namespace, String storageClass, String size, long maxSourceSize,
                Map<String, String> images) {
            this(namespace, storageClass, size, maxSourceSize, images, null);
        }

        /** These options with the registry pull Secret {@code namespace/name} (null: none). */
        public Options withPullSecret(String pullSecret) {
            return new Options(namespace, storageClass, size, maxSourceSize, images, pullSecret);
        }

        public static Options defaults() {
            return new Options(null, null, null, 0, Map.of(), null);
        }
    }

    public static final String DEFAULT_NAMESPACE = "stagecraft-datasets";
    public static final String DEFAULT_IMAGE = "postgres:15";
    /** MySQL datasets are made and served by MariaDB, which speaks MySQL's protocol and loads mysqldump's files. */
    public static final String DEFAULT_MYSQL_IMAGE = "mariadb:10.11";
    public static final long DEFAULT_MAX_SOURCE = 64L * 1024 * 1024;

    /** A copy checked out to one environment: its volume, the environment's claim of it, and its credentials. */
    public record Checkout(String dataset, String volume, String claim, String database, String user, String password,
            boolean fromPool, Dataset.Engine engine) implements DatasetCheckouts.Copy {

        public Checkout {
            engine = engine == null ? Dataset.Engine.POSTGRESQL : engine;
        }
    }

    /** The image of the dataset's Jobs: the one configured for it, else its engine's official image. */
    String image(Dataset dataset) {
        return options.images().getOrDefault(dataset.name(),
                dataset.engine() == Dataset.Engine.MYSQL ? DEFAULT_MYSQL_IMAGE : DEFAULT_IMAGE);
    }

    private final KubernetesClient client;
    private final Map<String, Dataset> datasets;
    private final Options options;
    private final Readiness readiness;
    private final Map<String, String> sources = new ConcurrentHashMap<>();
    /** What "now" is when the age of an object is judged (a crashed restore or seed, an orphan, a claim's time). */
    private final Clock clock;

    public KubernetesDatasets(KubernetesClient client, List<Dataset> datasets, Options options) {
        this(client, datasets, options, Clock.systemUTC());
    }

    KubernetesDatasets(KubernetesClient client, List<Dataset> datasets, Options options, Clock clock) {
        this.clock = clock;
        this.client = client;
        this.options = options == null ? Options.defaults() : options;
        this.readiness = new Readiness(client);
        Map<String, Dataset> byName = new LinkedHashMap<>();
        datasets.forEach(d -> byName.put(d.name(), d));
        this.datasets = Map.copyOf(byName);
    }

    @Override
    public Map<String, Dataset> datasets() {
        return datasets;
    }

    public String namespace() {
        return options.namespace();
    }

    /**
     * The hash of the dataset's source ({@link DatasetSource#hash(Dataset, String)}; a seed job's image is known by
     * its reference: the API has no image id before a pod runs it); computed once per dataset.
     */
    public String source(Dataset dataset) {
        return sources.computeIfAbsent(dataset.name(), n -> DatasetSource.hash(dataset,
                dataset.seed() == null ? null : dataset.seed().image()));
    }

    public String snapshotClaim(Dataset dataset) {
        return dataset.name() + "-snapshot-" + source(dataset);
    }

    /** The claim of the dataset's copy in an environment's namespace; the database service mounts it. */
    public static String environmentClaim(String dataset) {
        return "dataset-" + dataset;
    }

    // ---------------------------------------------------------------- the snapshot

    /**
     * Restores the dataset's dump into its snapshot claim unless that was done; returns how long the restore took
     * (zero when the snapshot was there). Another process restoring it at the same time makes this wait for it.
     */
    public Duration ensureSnapshot(Dataset dataset) throws InterruptedException {
        ensureNamespace();
        String name = snapshotClaim(dataset);
        PersistentVolumeClaim snapshot = claims().withName(name).get();
        if (snapshot != null && "snapshot".equals(role(snapshot))) {
            return Duration.ZERO;
        }
        String job = dataset.name() + "-restore-" + source(dataset);
        if (snapshot != null) {
            return awaitSnapshotOfAnother(dataset); // another process is restoring it
        }
        long started = System.nanoTime();
        if (dataset.dump() != null) {
            checkSourceSize(dataset);
        }
        ensureScript();
        ensurePullSecret();
        ensureCredentials(dataset);
        List<String> parts = dataset.dump() == null ? List.of() : createParts(dataset, "dump", dataset.dump());
        try {
            claims().resource(claim(name, labels(dataset, "restoring"), null)).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return awaitSnapshotOfAnother(dataset); // another process created it first
        }
        try {
            if (dataset.seed() == null) {
                client.batch().v1().jobs().inNamespace(namespace()).resource(job(dataset, job, "restore", name,
                        sourceVolume(parts), Duration.ofHours(2))).create();
                awaitJob(dataset, job, Duration.ofHours(2), "restore of " + dataset.dump());
            } else {
                seed(dataset, job, name);
            }
            claims().withName(name).edit(c -> {
                c.getMetadata().getLabels().put(DatasetSource.ROLE, "snapshot");
                return c;
            });
        } catch (RuntimeException | InterruptedException e) {
            removeRestore(dataset);
            throw e;
        } finally {
            client.batch().v1().jobs().inNamespace(namespace()).withName(job).delete();
            parts.forEach(part -> client.configMaps().inNamespace(namespace()).withName(part).delete());
            if (dataset.seed() != null) {
                client.batch().v1().jobs().inNamespace(namespace()).withName(sealJob(dataset)).delete();
                removeSeed(dataset);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.infof("dataset %s: %s into claim %s/%s in %d ms", dataset.name(), dataset.seed() == null ? "restored "
                + dataset.dump() : "seeded by " + dataset.seed().image(), namespace(), name, took.toMillis());
        return took;
    }

    /**
     * Waits while another process restores the snapshot. A snapshot claim still restoring, a minute after it was
     * created, when nothing is making it ({@link #beingMade}), is what a crash leaves (the Job is deleted only after
     * the claim is relabelled): it is removed with what a seed left, and the next refill restores again.
     */
    private Duration awaitSnapshotOfAnother(Dataset dataset) throws InterruptedException {
        String job = dataset.name() + "-restore-" + source(dataset);
        long deadline = System.nanoTime() + Duration.ofHours(2).toNanos();
        while (System.nanoTime() < deadline) {
            PersistentVolumeClaim snapshot = claims().withName(snapshotClaim(dataset)).get();
            if (snapshot == null) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the restore another process ran"
                        + " did not finish; the next refill restores again");
            }
            if ("snapshot".equals(role(snapshot))) {
                return Duration.ZERO;
            }
            if (!beingMade(dataset) && createdBefore(snapshot, clock.instant().minus(Duration.ofMinutes(1)))) {
                removeRestore(dataset);
                throw new IllegalStateException("dataset '" + dataset.name() + "': an earlier restore did not"
                        + " finish; removed it, the next refill restores again");
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("dataset '" + dataset.name() + "': another process's restore ran longer than"
                + " 2 hours");
    }

    /** Refuses a dump that cannot reach a Job through ConfigMaps, naming the cap and what a bigger one needs. */
    void checkSourceSize(Dataset dataset) {
        long size = size(dataset.dump()) + (dataset.obfuscate() == null ? 0 : size(dataset.obfuscate()));
        if (size > options.maxSourceSize()) {
            throw new IllegalArgumentException("dataset '" + dataset.name() + "': the dump " + dataset.dump()
                    + " is " + mebibytes(size) + " MiB, over the " + mebibytes(options.maxSourceSize()) + " MiB the"
                    + " Kubernetes runtime hands a restore Job through ConfigMaps"
                    + " (stagecraft.runtime.kubernetes.datasets.max-dump-size); raise it, or make a bigger dataset with a"
                    + " seed job whose image holds the data (stagecraft.datasets." + dataset.name() + ".seed.image)");
        }
    }

    private static String mebibytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1024.0 / 1024.0);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("dataset file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The file in ConfigMaps of parts under {@link #PART_BYTES} each ({@code <kind>-000}, ...); their names. */
    private List<String> createParts(Dataset dataset, String kind, Path file) {
        List<String> names = new ArrayList<>();
        byte[] buffer = new byte[PART_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            for (int i = 0; ; i++) {
                int n = in.readNBytes(buffer, 0, buffer.length);
                if (n == 0 && i > 0) {
                    break;
                }
                String name = dataset.name() + "-" + kind + "-" + source(dataset) + "-" + i;
                String key = String.format(java.util.Locale.ROOT, "%s-%03d", kind, i);
                ConfigMap part = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace())
                        .withLabels(labels(dataset, "source")).endMetadata()
                        .withBinaryData(Map.of(key, Base64.getEncoder().encodeToString(
                                java.util.Arrays.copyOf(buffer, n))))
                        .withImmutable(true).build();
                createIfAbsent(part);
                names.add(name);
                if (n < buffer.length) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("dataset file " + file + " cannot be read: " + e.getMessage(), e);
        }
        return names;
    }

    private Volume sourceVolume(List<String> parts) {
        VolumeBuilder volume = new VolumeBuilder().withName("source");
        var projected = volume.withNewProjected();
        for (String part : parts) {
            projected.addToSources(new VolumeProjectionBuilder().withNewConfigMap().withName(part).endConfigMap()
                    .build());
        }
        return projected.endProjected().build();
    }

    /**
     * Whether a process is making the snapshot: its restore (or seed) Job is there; for a seed also its seal Job, or
     * a database made less than {@link #SEED_START} ago (the seed Job follows within the 10 minutes the database has to
     * get ready). A seed's database older than that with neither Job was left by a process that crashed.
     */
    private boolean beingMade(Dataset dataset) {
        var jobs = client.batch().v1().jobs().inNamespace(namespace());
        if (jobs.withName(dataset.name() + "-restore-" + source(dataset)).get() != null) {
            return true;
        }
        if (dataset.seed() == null) {
            return false;
        }
        if (jobs.withName(sealJob(dataset)).get() != null) {
            return true;
        }
        Deployment database = client.apps().deployments().inNamespace(namespace()).withName(seedName(dataset)).get();
        return database != null && !createdBefore(database, clock.instant().minus(SEED_START));
    }

    /** How long a seed's database may exist before its seed Job does: its 10 minutes to get ready, and a margin. */
    static final Duration SEED_START = Duration.ofMinutes(15);

    private String sealJob(Dataset dataset) {
        return dataset.name() + "-seal-" + source(dataset);
    }

    private void removeRestore(Dataset dataset) {
        client.batch().v1().jobs().inNamespace(namespace()).withName(dataset.name() + "-restore-" + source(dataset))
                .delete();
        if (dataset.seed() != null) {
            client.batch().v1().jobs().inNamespace(namespace()).withName(sealJob(dataset)).delete();
            removeSeed(dataset);
        }
        claims().withName(snapshotClaim(dataset)).delete();
    }

    // ---------------------------------------------------------------- a seed job's snapshot

    /**
     * The name of a seed's database (Deployment and Service), its variables' Secret and its NetworkPolicies
     * ({@code seed-<dataset>-<source>}: a Service's name must begin with a letter).
     */
    String seedName(Dataset dataset) {
        return "seed-" + dataset.name() + "-" + source(dataset);
    }

    /**
     * Fills the snapshot claim by the dataset's seed job: a database of the engine's image serves the empty claim
     * ({@code dataset-job.sh serve}: the database and its user made, passwords required) behind a Service; the seed
     * Job (named {@code job}, as a restore Job would be, so another process sees a restore running) runs the seed
     * image with the connection variables an environment's services get and the seed's own, from a Secret. Two
     * NetworkPolicies let the seed's pod reach that database (and DNS) and nothing else, and nothing but the seed's
     * pod reach the database. Then the database is stopped (SIGTERM: a clean stop) and gone, and a Job seals the
     * claim ({@code dataset-job.sh seal}: started locally, which recovers what an unclean stop left, checkpointed and
     * stopped cleanly), so every copy starts without recovery.
     */
    private void seed(Dataset dataset, String job, String claim) throws InterruptedException {
        Dataset.Seed seed = dataset.seed();
        String name = seedName(dataset);
        int port = dataset.engine().port();
        Map<String, String> database = seedDatabaseLabels(dataset);
        Map<String, String> seeder = labels(dataset, "seed");
        createIfAbsent(seedPolicy(dataset, name, database, seeder, port, false));
        createIfAbsent(seedPolicy(dataset, name + "-job", seeder, database, port, true));
        client.apps().deployments().inNamespace(namespace()).resource(seedDatabase(dataset, name, claim, database))
                .create();
        client.services().inNamespace(namespace()).resource(new ServiceBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace()).withLabels(labels(dataset, "seed-db")).endMetadata().withNewSpec()
                .withSelector(database).addNewPort().withName(dataset.engine().configName()).withProtocol("TCP")
                .withPort(port).withTargetPort(new IntOrString(port)).endPort().endSpec().build()).create();
        Readiness.Outcome up = readiness.awaitDeployment(namespace(), name, Duration.ofMinutes(10), quiet(new ArrayList<>()));
        if (!up.ready()) {
            throw new IllegalStateException("dataset '" + dataset.name() + "': the database for the seed job"
                    + " (deployment " + namespace() + "/" + name + ") did not start: " + up.reason()
                    + lastOutput(database));
        }
        Map<String, String> env = new java.util.TreeMap<>(ConnectionVariables.of(new ConnectionVariables.Copy(
                dataset.name(), dataset.engine(), dataset.database(), dataset.user(), dataset.password()),
                name + "." + namespace() + ".svc", port, true));
        env.putAll(seed.env());
        createIfAbsent(new SecretBuilder().withNewMetadata().withName(name + "-env").withNamespace(namespace())
                .withLabels(labels(dataset, "seed")).endMetadata().withType("Opaque").withStringData(env).build());
        var container = new ContainerBuilder().withName("seed").withImage(seed.image())
                .withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef(name + "-env", false).build())
                .withSecurityContext(KubernetesObjects.containerSecurity())
                .withNewResources().withRequests(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("256Mi")))
                .withLimits(Map.of("memory", new Quantity("1Gi"))).endResources();
        if (!seed.command().isEmpty()) {
            container.withCommand(seed.command()); // instead of the image's entrypoint and command, as on Docker
        }
        client.batch().v1().jobs().inNamespace(namespace()).resource(new JobBuilder().withNewMetadata().withName(job)
                .withNamespace(namespace()).withLabels(seeder).endMetadata().withNewSpec().withBackoffLimit(0)
                .withActiveDeadlineSeconds(Duration.ofHours(1).toSeconds()).withTtlSecondsAfterFinished(600)
                .withNewTemplate().withNewMetadata().withLabels(seeder).endMetadata().withNewSpec()
                .withRestartPolicy("Never").withContainers(container.build()).withImagePullSecrets(pullSecrets())
                .withAutomountServiceAccountToken(false).withEnableServiceLinks(false).withSecurityContext(KubernetesObjects.podSecurity(false))
                .endSpec().endTemplate().endSpec().build()).create();
        awaitJob(dataset, job, Duration.ofHours(1), "the seed job " + seed.image());
        stopSeedDatabase(dataset, name, database);
        // deleted by ensureSnapshot once the claim is relabelled: until then it says the snapshot is being made
        String seal = sealJob(dataset);
        client.batch().v1().jobs().inNamespace(namespace()).resource(job(dataset, seal, "seal", claim, null,
                Duration.ofMinutes(30))).create();
        awaitJob(dataset, seal, Duration.ofMinutes(30), "sealing what the seed job " + seed.image() + " made");
    }

    /** The last lines the pods labelled {@code labels} wrote, as "; its output: [...]", or nothing. */
    private String lastOutput(Map<String, String> labels) {
        List<String> lines = new ArrayList<>();
        for (var pod : client.pods().inNamespace(namespace()).withLabels(labels).list().getItems()) {
            try {
                String log = client.pods().inNamespace(namespace()).withName(pod.getMetadata().getName()).getLog();
                if (log != null) {
                    lines.addAll(log.lines().toList());
                }
            } catch (KubernetesClientException e) {
                lines.add("(the output of pod " + pod.getMetadata().getName() + " could not be read: "
                        + e.getMessage() + ")");
            }
        }
        return lines.isEmpty() ? "" : "; its output: " + lines.subList(Math.max(0, lines.size() - 20), lines.size());
    }

    /** The labels of a seed's database pods (and its Deployment's selector). */
    private Map<String, String> seedDatabaseLabels(Dataset dataset) {
        Map<String, String> labels = labels(dataset, "seed-db");
        labels.put(Labels.SERVICE, seedName(dataset));
        return labels;
    }

    /**
     * The database a seed job fills: one pod of the engine's image serving the snapshot claim on the engine's port,
     * ready once it answers, given time to stop cleanly.
     */
    private Deployment seedDatabase(Dataset dataset, String name, String claim, Map<String, String> labels) {
        List<String> ready = new ArrayList<>(List.of("sh", "/stagecraft/bin/job.sh", "ready"));
        if (dataset.engine() == Dataset.Engine.MYSQL) {
            ready.add(dataset.engine().configName());
        }
        Container container = databaseContainer(dataset, "serve", null)
                .addNewPort().withName(dataset.engine().configName()).withContainerPort(dataset.engine().port())
                .withProtocol("TCP").endPort()
                .withNewReadinessProbe().withNewExec().withCommand(ready).endExec().withPeriodSeconds(2)
                .withTimeoutSeconds(5).endReadinessProbe().build();
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(namespace()).withLabels(labels)
                .endMetadata().withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withSpec(databasePod(dataset, List.of(container), null, claim).withRestartPolicy("Always")
                        .withTerminationGracePeriodSeconds(300L).build())
                .endTemplate().endSpec().build();
    }

    /**
     * Ingress to the pods {@code selected} only from the pods {@code peer} on {@code port} ({@code toPeer} false),
     * or egress from them only to {@code peer} on {@code port} and to the cluster's DNS ({@code toPeer} true).
     */
    private NetworkPolicy seedPolicy(Dataset dataset, String name, Map<String, String> selected,
            Map<String, String> peer, int port, boolean toPeer) {
        var spec = new NetworkPolicyBuilder().withNewMetadata().withName(name).withNamespace(namespace())
                .withLabels(labels(dataset, "seed")).endMetadata().withNewSpec().withNewPodSelector()
                .withMatchLabels(selected).endPodSelector().withPolicyTypes("Ingress", "Egress");
        if (toPeer) {
            spec.addNewEgress().addNewTo().withNewPodSelector().withMatchLabels(peer).endPodSelector().endTo()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort().endEgress()
                    .addNewEgress().addNewTo().withNewNamespaceSelector().withMatchLabels(Map.of(
                            "kubernetes.io/metadata.name", "kube-system")).endNamespaceSelector().withNewPodSelector()
                    .withMatchLabels(Map.of("k8s-app", "kube-dns")).endPodSelector().endTo()
                    .addNewPort().withProtocol("UDP").withPort(new IntOrString(53)).endPort()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(53)).endPort().endEgress();
        } else {
            spec.addNewIngress().addNewFrom().withNewPodSelector().withMatchLabels(peer).endPodSelector().endFrom()
                    .addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort().endIngress();
        }
        return spec.endSpec().build();
    }

    /** Deletes the seed's database and waits until its pod is gone, so the claim is no longer mounted. */
    private void stopSeedDatabase(Dataset dataset, String name, Map<String, String> labels)
            throws InterruptedException {
        client.apps().deployments().inNamespace(namespace()).withName(name).delete();
        long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        while (!client.pods().inNamespace(namespace()).withLabels(labels).list().getItems().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the database of the seed job"
                        + " (deployment " + namespace() + "/" + name + ") did not stop within 6 minutes");
            }
            Thread.sleep(POLL_MS);
        }
    }

    /** Deletes what a seed leaves besides its claim: its database, Service, variables and NetworkPolicies. */
    private void removeSeed(Dataset dataset) {
        String name = seedName(dataset);
        client.apps().deployments().inNamespace(namespace()).withName(name).delete();
        client.services().inNamespace(namespace()).withName(name).delete();
        client.secrets().inNamespace(namespace()).withName(name + "-env").delete();
        client.network().networkPolicies().inNamespace(namespace()).withName(name).delete();
        client.network().networkPolicies().inNamespace(namespace()).withName(name + "-job").delete();
    }

    // ---------------------------------------------------------------- the pool

    /**
     * Makes copies until the pool holds {@code poolSize} ready or filling ones; returns how many it made. Several
     * services refilling at once may each add one too many; the pool then holds a few more until they are used.
     */
    @Override
    public int refill(Dataset dataset) throws InterruptedException {
        PoolStatus status = status(dataset);
        int missing = dataset.poolSize() - status.ready() - status.filling();
        if (missing <= 0) {
            return 0;
        }
        ensureSnapshot(dataset);
        List<String> copies = new ArrayList<>();
        for (int i = 0; i < missing; i++) {
            copies.add(startCopy(dataset, null));
        }
        RuntimeException failed = null;
        for (String copy : copies) { // the clones are made at once; each is then made ready in turn
            try {
                prepare(dataset, copy);
                claims().withName(copy).edit(c -> {
                    c.getMetadata().getLabels().put(DatasetSource.ROLE, "ready");
                    return c;
                });
            } catch (RuntimeException e) { // the copy is deleted; the others are still made ready
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return missing;
    }

    /** A claim cloned from the snapshot, labelled filling (and with the environment it is made for, if any). */
    private String startCopy(Dataset dataset, String environmentId) {
        String name = dataset.name() + "-copy-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> labels = labels(dataset, "filling");
        if (environmentId != null) {
            labels.put(Labels.ENVIRONMENT, environmentId);
        }
        claims().resource(claim(name, labels, snapshotClaim(dataset))).create();
        return name;
    }

    /**
     * Runs the copy's prepare Job (which checks the clone holds a cluster and runs the obfuscation SQL) and waits
     * until the copy is bound to a volume. A Job runs for every copy, obfuscated or not: with a StorageClass that
     * binds on first use (WaitForFirstConsumer) its pod is what makes the volume exist. A copy that fails is deleted.
     */
    private void prepare(Dataset dataset, String copy) throws InterruptedException {
        String job = copy + "-prepare";
        try {
            ensureScript();
            ensurePullSecret();
            ensureCredentials(dataset);
            Volume obfuscation = null;
            if (dataset.obfuscate() != null) {
                String map = dataset.name() + "-obfuscate-" + source(dataset);
                ConfigMap sql = new ConfigMapBuilder().withNewMetadata().withName(map).withNamespace(namespace())
                        .withLabels(labels(dataset, "source")).endMetadata()
                        .withData(Map.of("obfuscate.sql", Files.readString(dataset.obfuscate(),
                                StandardCharsets.UTF_8)))
                        .withImmutable(true).build();
                createIfAbsent(sql);
                obfuscation = new VolumeBuilder().withName("obfuscate").withNewConfigMap().withName(map)
                        .endConfigMap().build();
            }
            client.batch().v1().jobs().inNamespace(namespace()).resource(job(dataset, job, "prepare", copy,
                    obfuscation, Duration.ofHours(1))).create();
            awaitJob(dataset, job, Duration.ofHours(1), "preparing copy " + copy);
            awaitBound(namespace(), copy);
        } catch (IOException e) {
            claims().withName(copy).delete();
            throw new UncheckedIOException("dataset file " + dataset.obfuscate() + " cannot be read: "
                    + e.getMessage(), e);
        } catch (RuntimeException | InterruptedException e) {
            claims().withName(copy).delete();
            throw e;
        } finally {
            client.batch().v1().jobs().inNamespace(namespace()).withName(job).delete();
        }
    }

    // ---------------------------------------------------------------- checkout, release

    /**
     * The copy of {@code dataset} checked out to {@code environmentId}, bound to the claim
     * {@link #environmentClaim} in {@code namespace} (the environment's): the one it has already (a setup run
     * again), else a ready copy from the pool, else a copy made now (slower: the pool was empty).
     */
    public Checkout checkout(String environmentId, String namespace, Dataset dataset) throws InterruptedException {
        String claim = environmentClaim(dataset.name());
        PersistentVolume volume = claimedBy(environmentId, dataset).orElse(null);
        boolean fromPool = true;
        if (volume == null) {
            volume = fromPool(environmentId, namespace, claim, dataset);
        }
        if (volume == null) {
            LOG.infof("dataset %s: the pool is empty; making a copy for environment %s now", dataset.name(),
                    environmentId);
            fromPool = false;
            ensureSnapshot(dataset);
            String copy = startCopy(dataset, environmentId);
            prepare(dataset, copy);
            volume = take(environmentId, namespace, claim, dataset, claims().withName(copy).get());
            if (volume == null) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': copy " + copy + " made for"
                        + " environment " + environmentId + " was taken or removed before it could be claimed");
            }
        }
        String pv = volume.getMetadata().getName();
        PersistentVolumeClaim mine = client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
        if (mine == null) {
            Map<String, String> labels = Labels.forEnvironment(environmentId);
            labels.put(DatasetSource.DATASET, dataset.name());
            client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(claim).withNamespace(namespace).withLabels(labels).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withVolumeName(pv)
                    // binding needs the volume's class; "" is no class, which a volume without one has
                    .withStorageClassName(volume.getSpec().getStorageClassName() == null ? ""
                            : volume.getSpec().getStorageClassName())
                    .withNewResources().withRequests(Map.of("storage", volume.getSpec().getCapacity() == null
                            ? new Quantity(options.size()) : volume.getSpec().getCapacity().get("storage")))
                    .endResources().endSpec().build()).create();
        } else if (!pv.equals(mine.getSpec().getVolumeName())) {
            throw new IllegalStateException("claim " + namespace + "/" + claim + " is bound to volume "
                    + mine.getSpec().getVolumeName() + ", not to the copy " + pv + " checked out for dataset '"
                    + dataset.name() + "'");
        }
        awaitBound(namespace, claim);
        return new Checkout(dataset.name(), pv, claim, dataset.database(), dataset.user(), dataset.password(),
                fromPool, dataset.engine());
    }

    /** The volume of {@code dataset} the environment holds, if it holds one. */
    public Optional<PersistentVolume> claimedBy(String environmentId, Dataset dataset) {
        return client.persistentVolumes().withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
                Labels.ENVIRONMENT, environmentId, DatasetSource.DATASET, dataset.name())).list().getItems().stream()
                .filter(v -> v.getMetadata().getDeletionTimestamp() == null).findFirst();
    }

    /** Takes the first ready copy no other setup takes first; null when there is none. */
    private PersistentVolume fromPool(String environmentId, String namespace, String claim, Dataset dataset) {
        List<PersistentVolumeClaim> ready = new ArrayList<>(claims().withLabels(Map.of(Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE, DatasetSource.DATASET, dataset.name(), DatasetSource.ROLE, "ready",
                DatasetSource.SOURCE, source(dataset))).list().getItems());
        ready.sort(Comparator.comparing(c -> c.getMetadata().getName()));
        for (PersistentVolumeClaim copy : ready) {
            PersistentVolume taken = take(environmentId, namespace, claim, dataset, copy);
            if (taken != null) {
                return taken;
            }
        }
        return null;
    }

    /**
     * Claims the volume of the pool's {@code copy} for the environment's claim with one update at the resourceVersion
     * read (Retain, the environment's labels, a claimRef naming its claim), then deletes the pool's claim; null when
     * the copy has no volume or another setup updated the volume first (409 Conflict).
     */
    private PersistentVolume take(String environmentId, String namespace, String claim, Dataset dataset,
            PersistentVolumeClaim copy) {
        if (copy == null || copy.getSpec().getVolumeName() == null) {
            return null;
        }
        PersistentVolume volume = client.persistentVolumes().withName(copy.getSpec().getVolumeName()).get();
        var ref = volume == null ? null : volume.getSpec().getClaimRef();
        if (ref == null || !namespace().equals(ref.getNamespace()) || !copy.getMetadata().getName()
                .equals(ref.getName())) {
            return null; // already re-bound to an environment's claim by a setup that took it
        }
        Map<String, String> labels = new LinkedHashMap<>(volume.getMetadata().getLabels() == null ? Map.of()
                : volume.getMetadata().getLabels());
        labels.putAll(Labels.forEnvironment(environmentId));
        labels.put(DatasetSource.DATASET, dataset.name());
        labels.put(DatasetSource.ROLE, "claim");
        labels.put(DatasetSource.SOURCE, source(dataset));
        volume.getMetadata().setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>(volume.getMetadata().getAnnotations() == null
                ? Map.of() : volume.getMetadata().getAnnotations());
        annotations.put(CLAIMED_AT, clock.instant().toString());
        volume.getMetadata().setAnnotations(annotations);
        volume.getSpec().setPersistentVolumeReclaimPolicy("Retain");
        volume.getSpec().setClaimRef(new ObjectReferenceBuilder().withApiVersion("v1")
                .withKind("PersistentVolumeClaim").withNamespace(namespace).withName(claim).build());
        PersistentVolume claimed;
        try {
            claimed = client.persistentVolumes().resource(volume).update(); // at the resourceVersion read
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                LOG.debugf("dataset %s: volume %s was taken first (%d); trying the next copy", dataset.name(),
                        volume.getMetadata().getName(), e.getCode());
                return null;
            }
            throw e;
        }
        claims().withName(copy.getMetadata().getName()).delete();
        return claimed;
    }

    /**
     * Gives every volume checked out to the environment back the reclaim policy Delete, so the cluster deletes it
     * once the environment's claim is gone; returns the volumes. Teardown calls this before the claims go.
     */
    public List<String> release(String environmentId) {
        List<String> released = new ArrayList<>();
        for (PersistentVolume volume : volumesOf(environmentId)) {
            String name = volume.getMetadata().getName();
            client.persistentVolumes().withName(name).edit(v -> {
                v.getSpec().setPersistentVolumeReclaimPolicy("Delete");
                return v;
            });
            released.add(name);
        }
        return released;
    }

    /**
     * Once the environment's claims are gone: deletes its volumes the cluster has not deleted (one released while it
     * still said Retain), and waits until they are gone; returns those still there.
     */
    public List<String> destroy(String environmentId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> left = new ArrayList<>();
        for (PersistentVolume volume : volumesOf(environmentId)) {
            String name = volume.getMetadata().getName();
            while (System.nanoTime() < deadline) {
                PersistentVolume now = client.persistentVolumes().withName(name).get();
                if (now == null) {
                    break;
                }
                if (!claimExists(now)) {
                    client.persistentVolumes().withName(name).delete();
                }
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (client.persistentVolumes().withName(name).get() != null) {
                left.add("persistentvolume " + name);
            }
        }
        return left;
    }

    /** The dataset volumes labelled with the environment. */
    public List<PersistentVolume> volumesOf(String environmentId) {
        try {
            return client.persistentVolumes().withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
                    Labels.ENVIRONMENT, environmentId)).list().getItems().stream()
                    .filter(v -> v.getMetadata().getLabels().containsKey(DatasetSource.DATASET)).toList();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403 || !datasets.isEmpty()) {
                throw e;
            }
            // an installation without datasets need not grant volumes (deploy/kubernetes/12-datasets.yaml)
            LOG.debugf("volumes of %s not listed: %s", environmentId, e.getMessage());
            return List.of();
        }
    }

    private boolean claimExists(PersistentVolume volume) {
        var ref = volume.getSpec().getClaimRef();
        if (ref == null) {
            return false;
        }
        PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(ref.getNamespace())
                .withName(ref.getName()).get();
        return claim != null && (ref.getUid() == null || ref.getUid().equals(claim.getMetadata().getUid()));
    }

    // ---------------------------------------------------------------- sweep, status

    /**
     * Removes what no dataset should keep: pool copies, snapshots, Jobs and ConfigMaps of an older source or of a
     * dataset no longer configured (checked-out copies stay with their environment), copies that have been filling
     * longer than a fill takes, and volumes checked out whose environment's claim is gone or never came (a crash
     * between the claim of a volume and the creation of the environment's claim).
     */
    @Override
    public List<String> sweep() {
        List<String> removed = new ArrayList<>();
        if (client.namespaces().withName(namespace()).get() == null) {
            return removed;
        }
        Instant orphan = clock.instant().minus(ORPHAN_AGE);
        for (PersistentVolumeClaim c : claims().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list()
                .getItems()) {
            String role = role(c);
            if (stale(c) || ("filling".equals(role) && createdBefore(c, orphan))) {
                claims().withName(c.getMetadata().getName()).delete();
                removed.add("persistentvolumeclaim " + namespace() + "/" + c.getMetadata().getName());
            }
        }
        for (ConfigMap m : client.configMaps().inNamespace(namespace()).withLabel(DatasetSource.DATASET).list()
                .getItems()) {
            if (stale(m)) {
                client.configMaps().inNamespace(namespace()).withName(m.getMetadata().getName()).delete();
                removed.add("configmap " + namespace() + "/" + m.getMetadata().getName());
            }
        }
        for (var s : client.secrets().inNamespace(namespace()).withLabel(DatasetSource.DATASET).list().getItems()) {
            if (stale(s)) {
                client.secrets().inNamespace(namespace()).withName(s.getMetadata().getName()).delete();
                removed.add("secret " + namespace() + "/" + s.getMetadata().getName());
            }
        }
        // what a seed job of an older source left (a process that crashed while it seeded)
        for (var d : client.apps().deployments().inNamespace(namespace()).withLabel(DatasetSource.DATASET).list()
                .getItems()) {
            if (stale(d)) {
                client.apps().deployments().inNamespace(namespace()).withName(d.getMetadata().getName()).delete();
                removed.add("deployment " + namespace() + "/" + d.getMetadata().getName());
            }
        }
        for (var v : client.services().inNamespace(namespace()).withLabel(DatasetSource.DATASET).list().getItems()) {
            if (stale(v)) {
                client.services().inNamespace(namespace()).withName(v.getMetadata().getName()).delete();
                removed.add("service " + namespace() + "/" + v.getMetadata().getName());
            }
        }
        for (var p : client.network().networkPolicies().inNamespace(namespace()).withLabel(DatasetSource.DATASET)
                .list().getItems()) {
            if (stale(p)) {
                client.network().networkPolicies().inNamespace(namespace()).withName(p.getMetadata().getName())
                        .delete();
                removed.add("networkpolicy " + namespace() + "/" + p.getMetadata().getName());
            }
        }
        for (PersistentVolume v : client.persistentVolumes().withLabels(Map.of(Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE, DatasetSource.ROLE, "claim")).list().getItems()) {
            String claimedAt = v.getMetadata().getAnnotations() == null ? null
                    : v.getMetadata().getAnnotations().get(CLAIMED_AT);
            boolean old = claimedAt == null || Instant.parse(claimedAt).isBefore(orphan);
            boolean released = v.getStatus() != null && "Released".equals(v.getStatus().getPhase());
            if (v.getMetadata().getDeletionTimestamp() == null && (released || old) && !claimExists(v)) {
                client.persistentVolumes().withName(v.getMetadata().getName()).delete();
                removed.add("persistentvolume " + v.getMetadata().getName());
            }
        }
        return removed;
    }

    /** Of a dataset no longer configured or of an older source, and not checked out. */
    private boolean stale(HasMetadata o) {
        Map<String, String> labels = o.getMetadata().getLabels();
        Dataset dataset = datasets.get(labels.get(DatasetSource.DATASET));
        return labels.containsKey(DatasetSource.DATASET)
                && (dataset == null || !source(dataset).equals(labels.get(DatasetSource.SOURCE)));
    }

    private static boolean createdBefore(HasMetadata o, Instant when) {
        String created = o.getMetadata().getCreationTimestamp();
        return created != null && Instant.parse(created).isBefore(when);
    }

    /** The pool of {@code dataset}: copies of its current source by state, and the volumes checked out. */
    @Override
    public PoolStatus status(Dataset dataset) {
        int ready = 0;
        int filling = 0;
        boolean snapshot = false;
        if (client.namespaces().withName(namespace()).get() != null) {
            String source = source(dataset);
            for (PersistentVolumeClaim c : claims().withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
                    DatasetSource.DATASET, dataset.name())).list().getItems()) {
                if (!source.equals(c.getMetadata().getLabels().get(DatasetSource.SOURCE))
                        || c.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                switch (role(c)) {
                    case "ready" -> ready++;
                    case "filling" -> filling++;
                    case "snapshot" -> snapshot = true;
                    default -> {
                    }
                }
            }
        }
        int checkedOut = client.persistentVolumes().withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
                DatasetSource.DATASET, dataset.name(), DatasetSource.ROLE, "claim")).list().getItems().size();
        return new PoolStatus(dataset.name(), dataset.poolSize(), snapshot, ready, filling, checkedOut);
    }

    // ---------------------------------------------------------------- objects

    /** The claims of the datasets' namespace. */
    private NonNamespaceOperation<PersistentVolumeClaim, PersistentVolumeClaimList, Resource<PersistentVolumeClaim>>
            claims() {
        return client.persistentVolumeClaims().inNamespace(namespace());
    }

    private static String role(HasMetadata o) {
        return o.getMetadata().getLabels() == null ? "" : o.getMetadata().getLabels().getOrDefault(DatasetSource.ROLE,
                "");
    }

    private Map<String, String> labels(Dataset dataset, String role) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        labels.put(DatasetSource.DATASET, dataset.name());
        labels.put(DatasetSource.ROLE, role);
        labels.put(DatasetSource.SOURCE, source(dataset));
        return labels;
    }

    /** A claim of the datasets' StorageClass and size; a clone of {@code from} (a claim of the namespace) if given. */
    private PersistentVolumeClaim claim(String name, Map<String, String> labels, String from) {
        var spec = new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(namespace())
                .withLabels(labels).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                .withStorageClassName(options.storageClass()).withNewResources()
                .withRequests(Map.of("storage", new Quantity(options.size()))).endResources();
        if (from != null) {
            spec.withNewDataSource().withKind("PersistentVolumeClaim").withName(from).endDataSource();
        }
        return spec.endSpec().build();
    }

    private void ensureNamespace() {
        if (client.namespaces().withName(namespace()).get() == null) {
            try {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace())
                        .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE,
                                KubernetesObjects.POD_SECURITY + "enforce", "restricted"))
                        .endMetadata().build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
            createIfAbsent(defaultDeny());
        }
    }

    /** The name of the datasets namespace's NetworkPolicy that lets no pod of it send or receive anything. */
    static final String DEFAULT_DENY = "stagecraft-datasets-default-deny";

    /**
     * No traffic to or from any pod of the datasets namespace (as deploy/kubernetes/12-datasets.yaml makes it): the
     * restore, prepare and seal Jobs need none, and a seed's own policies let its job reach its database only.
     */
    private NetworkPolicy defaultDeny() {
        return new NetworkPolicyBuilder().withNewMetadata().withName(DEFAULT_DENY).withNamespace(namespace())
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata().withNewSpec()
                .withNewPodSelector().endPodSelector().withPolicyTypes("Ingress", "Egress").endSpec().build();
    }

    /** The ConfigMap holding the Jobs' script ({@code dataset-job.sh}), converged to this version of it. */
    private void ensureScript() {
        String script;
        try (InputStream in = KubernetesDatasets.class.getResourceAsStream("dataset-job.sh")) {
            if (in == null) {
                throw new IllegalStateException("dataset-job.sh is missing from the classpath");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConfigMap wanted = new ConfigMapBuilder().withNewMetadata().withName(JOB_SCRIPT).withNamespace(namespace())
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
                .withData(Map.of("job.sh", script)).build();
        ConfigMap existing = client.configMaps().inNamespace(namespace()).withName(JOB_SCRIPT).get();
        if (existing == null) {
            createIfAbsent(wanted);
        } else if (!wanted.getData().equals(existing.getData())) {
            client.configMaps().inNamespace(namespace()).withName(JOB_SCRIPT).edit(c -> {
                c.setData(wanted.getData());
                return c;
            });
        }
    }

    /**
     * The copy of the registry pull Secret ({@link Options#pullSecret}) in the datasets namespace, under the same
     * name, converged to the original; nothing without one.
     */
    private void ensurePullSecret() {
        if (options.pullSecret() == null) {
            return;
        }
        String[] source = options.pullSecret().split("/", 2);
        Secret original;
        try {
            original = client.secrets().inNamespace(source[0]).withName(source[1]).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            throw new IllegalStateException("the runtime may not read the registry pull Secret " + options.pullSecret()
                    + " (STAGECRAFT_REGISTRY_PULL_SECRET): the Role stagecraft-runtime-secrets of"
                    + " deploy/kubernetes/10-rbac.yaml names the Secrets it may read", e);
        }
        if (original == null) {
            throw new IllegalStateException("the registry pull Secret " + options.pullSecret() + " does not exist"
                    + " (STAGECRAFT_REGISTRY_PULL_SECRET): the datasets' pods could not pull images from the"
                    + " registry; create it (kubectl create secret docker-registry), or set"
                    + " STAGECRAFT_REGISTRY_PULL_SECRET empty when the nodes have registry credentials of their own");
        }
        Secret copy = client.secrets().inNamespace(namespace()).withName(source[1]).get();
        if (copy == null) {
            createIfAbsent(new SecretBuilder().withNewMetadata().withName(source[1]).withNamespace(namespace())
                    .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).endMetadata()
                    .withType(original.getType()).withData(original.getData()).build());
        } else if (!java.util.Objects.equals(copy.getData(), original.getData())) {
            client.secrets().inNamespace(namespace()).withName(source[1]).edit(s -> {
                s.setData(original.getData());
                return s;
            });
        }
    }

    /** The pods' {@code imagePullSecrets}: the copy of the registry pull Secret, or none. */
    private List<io.fabric8.kubernetes.api.model.LocalObjectReference> pullSecrets() {
        return options.pullSecret() == null ? List.of()
                : List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference(options.pullSecret()
                        .split("/", 2)[1]));
    }

    /** Creates {@code o} unless it exists (another process may create the same object at the same time). */
    private void createIfAbsent(HasMetadata o) {
        try {
            client.resource(o).inNamespace(namespace()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private String credentials(Dataset dataset) {
        return dataset.name() + "-auth-" + source(dataset);
    }

    /** The role's password for the Jobs, in a Secret: never in a Job's spec. */
    private void ensureCredentials(Dataset dataset) {
        if (client.secrets().inNamespace(namespace()).withName(credentials(dataset)).get() == null) {
            createIfAbsent(new SecretBuilder().withNewMetadata().withName(credentials(dataset))
                    .withNamespace(namespace()).withLabels(labels(dataset, "source")).endMetadata().withType("Opaque")
                    .withStringData(Map.of("password", dataset.password())).build());
        }
    }

    /**
     * A Job of the dataset's database image running {@code dataset-job.sh <mode> <engine>} as the image's database
     * user (uid 999) on the claim {@code data} mounted at the engine's data directory, with {@code extra} mounted (the
     * dump's parts, or the obfuscation SQL) when given. The password is read from the dataset's Secret.
     */
    private Job job(Dataset dataset, String name, String mode, String data, Volume extra, Duration deadline) {
        Map<String, String> labels = labels(dataset, mode);
        return new JobBuilder().withNewMetadata().withName(name).withNamespace(namespace()).withLabels(labels)
                .endMetadata().withNewSpec().withBackoffLimit(0).withActiveDeadlineSeconds(deadline.toSeconds())
                .withTtlSecondsAfterFinished(600)
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withSpec(databasePod(dataset, List.of(databaseContainer(dataset, mode, extra).build()), extra, data)
                        .withRestartPolicy("Never").build())
                .endTemplate().endSpec().build();
    }

    /**
     * A container of the dataset's database image running {@code dataset-job.sh <mode> <engine>} with the claim at
     * the engine's data directory, the script, and {@code extra} under /stagecraft when given.
     */
    private ContainerBuilder databaseContainer(Dataset dataset, String mode, Volume extra) {
        List<VolumeMount> mounts = new ArrayList<>(List.of(
                new VolumeMountBuilder().withName("data").withMountPath(dataset.engine().dataDirectory()).build(),
                new VolumeMountBuilder().withName("script").withMountPath("/stagecraft/bin").withReadOnly(true)
                        .build()));
        if (extra != null) {
            mounts.add(new VolumeMountBuilder().withName(extra.getName()).withMountPath("/stagecraft/"
                    + extra.getName()).withReadOnly(true).build());
        }
        return new ContainerBuilder().withName(mode).withImage(image(dataset))
                .withCommand(dataset.engine() == Dataset.Engine.MYSQL
                        ? List.of("sh", "/stagecraft/bin/job.sh", mode, dataset.engine().configName())
                        : List.of("sh", "/stagecraft/bin/job.sh", mode))
                .withEnv(jobVariables(dataset))
                .withVolumeMounts(mounts).withSecurityContext(KubernetesObjects.containerSecurity())
                .withNewResources().withRequests(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("256Mi")))
                .withLimits(Map.of("memory", new Quantity("1Gi"))).endResources();
    }

    /**
     * The pod of a database container: the claim {@code data}, the script and {@code extra} as volumes, no
     * ServiceAccount token, no service links, run as the image's database user (uid 999) under the restricted
     * profile.
     */
    private PodSpecBuilder databasePod(Dataset dataset, List<Container> containers, Volume extra, String data) {
        List<Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName("data").withNewPersistentVolumeClaim(data, false).build(),
                new VolumeBuilder().withName("script").withNewConfigMap().withName(JOB_SCRIPT).endConfigMap()
                        .build()));
        if (extra != null) {
            volumes.add(extra);
        }
        return new PodSpecBuilder().withContainers(containers).withVolumes(volumes).withImagePullSecrets(pullSecrets())
                .withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(POSTGRES_UID)
                .withRunAsGroup(POSTGRES_UID).withFsGroup(POSTGRES_UID).withNewSeccompProfile()
                .withType("RuntimeDefault").endSeccompProfile().endSecurityContext();
    }

    /** What a Job of the dataset's engine is told: where the data is, the database, its user and password. */
    private List<io.fabric8.kubernetes.api.model.EnvVar> jobVariables(Dataset dataset) {
        List<io.fabric8.kubernetes.api.model.EnvVar> env = new ArrayList<>();
        String prefix = dataset.engine() == Dataset.Engine.MYSQL ? "MYSQL_" : "POSTGRES_";
        if (dataset.engine() == Dataset.Engine.MYSQL) {
            env.add(new io.fabric8.kubernetes.api.model.EnvVar("MYSQL_DATADIR", dataset.engine().dataDirectory(),
                    null));
            env.add(new io.fabric8.kubernetes.api.model.EnvVar("MYSQL_DATABASE", dataset.database(), null));
        } else {
            env.add(new io.fabric8.kubernetes.api.model.EnvVar("PGDATA", dataset.engine().dataDirectory() + "/pgdata",
                    null));
            env.add(new io.fabric8.kubernetes.api.model.EnvVar("POSTGRES_DB", dataset.database(), null));
        }
        env.add(new io.fabric8.kubernetes.api.model.EnvVar(prefix + "USER", dataset.user(), null));
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName(prefix + "PASSWORD").withNewValueFrom()
                .withNewSecretKeyRef("password", credentials(dataset), false).endValueFrom().build());
        return env;
    }

    /** A listener that keeps the output it is given in {@code output} and nothing else. */
    private static RuntimeListener quiet(List<String> output) {
        return RuntimeListener.of(t -> {
        }, (t, ok, m) -> {
        }, (task, line) -> output.add(line), () -> {
        });
    }

    /** Waits for the Job to succeed; otherwise fails with its reason and last output. */
    private void awaitJob(Dataset dataset, String job, Duration timeout, String what) throws InterruptedException {
        List<String> output = new ArrayList<>();
        Readiness.Outcome outcome = readiness.awaitJob(namespace(), job, timeout, quiet(output),
                "datasets." + dataset.name());
        if (!outcome.ready()) {
            List<String> last = output.subList(Math.max(0, output.size() - 20), output.size());
            throw new IllegalStateException("dataset '" + dataset.name() + "': " + what + " (job " + namespace() + "/"
                    + job + ") failed: " + outcome.reason() + (last.isEmpty() ? "" : "; its output: " + last));
        }
    }

    private static String describe(io.fabric8.kubernetes.api.model.ObjectReference ref) {
        return ref == null ? "none" : ref.getNamespace() + "/" + ref.getName() + " (uid " + ref.getUid() + ")";
    }

    /** Waits until the claim is bound to a volume. */
    private void awaitBound(String namespace, String name) throws InterruptedException {
        long deadline = System.nanoTime() + BIND_TIMEOUT.toNanos();
        while (true) {
            PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
            if (claim == null) {
                throw new IllegalStateException("claim " + namespace + "/" + name + " disappeared before it was"
                        + " bound");
            }
            if (claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                String wanted = claim.getSpec().getVolumeName();
                PersistentVolume volume = wanted == null ? null : client.persistentVolumes().withName(wanted).get();
                String why = wanted == null ? "is the StorageClass's provisioner running, and does its CSI driver"
                        + " clone volumes?"
                        : volume == null ? "its volume " + wanted + " does not exist"
                                : "its volume " + wanted + " is " + (volume.getStatus() == null ? "without a phase"
                                        : volume.getStatus().getPhase()) + " with claimRef " + describe(volume
                                                .getSpec().getClaimRef());
                throw new IllegalStateException("claim " + namespace + "/" + name + " was not bound within "
                        + BIND_TIMEOUT.toSeconds() + " s (phase " + (claim.getStatus() == null ? "none"
                                : claim.getStatus().getPhase()) + "); " + why);
            }
            Thread.sleep(POLL_MS);
        }
    }
}
