package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.DatasetSource;
import dev.stagecraft.runtime.datasets.PoolStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Datasets on the Kubernetes runtime against {@link ControlPlane}, whose provisioner and PersistentVolume controller
 * bind claims, clone volumes and release or delete them as a cluster does: the restore Job and the snapshot, the pool
 * of cloned copies, a checkout that re-binds a copy's volume to the environment's claim (one winner when two race),
 * a copy made at once from an empty pool, teardown leaving no volume, the sweep, and the refusals.
 */
class KubernetesDatasetsTest {

    static ControlPlane plane;
    static KubernetesClient client;
    static KubernetesClient runtimeClient;
    static final String RUNTIME_AGENT = "stagecraft-runtime";
    static final NamespacePolicy POLICY = NamespacePolicy.defaults(List.of("preview.example.test"));

    @TempDir
    static Path files;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final RuntimeListener listener = RuntimeListener.of(t -> events.add("started " + t),
            (t, ok, m) -> events.add((ok ? "succeeded " : "failed ") + t + ": " + m),
            (s, l) -> events.add("log " + s + ": " + l), () -> {
            });

    @BeforeAll
    static void cluster() {
        plane = ControlPlane.start();
        client = plane.client("test");
        runtimeClient = plane.client(RUNTIME_AGENT);
    }

    @AfterAll
    static void stop() {
        runtimeClient.close();
        client.close();
        plane.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    private static Path file(String name, byte[] content) throws IOException {
        Path path = files.resolve(unique(name));
        Files.write(path, content);
        return path;
    }

    private static Dataset dataset(String name, int poolSize, List<String> applications) throws IOException {
        Path dump = file("dump.sql", ("CREATE TABLE customers (id int, name text);\nINSERT INTO customers VALUES (1, '"
                + name + "');\n").getBytes(StandardCharsets.UTF_8));
        return new Dataset(name, dump, poolSize, "shop", "shop", "s3cret", null, applications);
    }

    /** The datasets in a namespace of their own, so tests do not see each other's pools. */
    private static KubernetesDatasets datasets(Dataset... datasets) {
        return datasets(KubernetesDatasets.DEFAULT_MAX_SOURCE, datasets);
    }

    private static KubernetesDatasets datasets(long maxSource, Dataset... datasets) {
        return new KubernetesDatasets(runtimeClient, List.of(datasets), new KubernetesDatasets.Options(
                unique("datasets"), "csi-clone", "5Gi", maxSource, Map.of()));
    }

    private static KubernetesRuntime runtime(KubernetesDatasets datasets) {
        return new KubernetesRuntime(runtimeClient, Duration.ofSeconds(10), null, IngressTls.NONE, null, null,
                value -> value, POLICY, datasets);
    }

    private static ServiceSpec service(String name, String image, int port, List<String> dependsOn) {
        return new ServiceSpec(name, image, null, port, Map.of(), List.of(), List.of(), List.of(), null, null, null, 1,
                List.of(), dependsOn);
    }

    /** An application's db (serving {@code dataset}) and api. */
    private static EnvironmentSpec spec(String application, String dataset) {
        return new EnvironmentSpec(application, List.of(service("db", "postgres:15", 5432, List.of()),
                service("api", "registry/api:1", 8080, List.of("db"))), Map.of("LOG_LEVEL", "debug"), List.of(),
                Map.of(), Map.of(), List.of(), "ephemeral", null, "kubernetes", List.of(),
                List.of(new DatasetSpec(dataset, "db")));
    }

    private static PersistentVolumeClaim claim(String namespace, String name) {
        return client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
    }

    private static List<PersistentVolumeClaim> copies(KubernetesDatasets datasets, String role) {
        return client.persistentVolumeClaims().inNamespace(datasets.namespace())
                .withLabel(DatasetSource.ROLE, role).list().getItems();
    }

    private static PersistentVolume volume(String name) {
        return client.persistentVolumes().withName(name).get();
    }

    private static void createNamespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
    }

    @Test
    void theRestoreJobFillsTheSnapshotFromTheDumpInConfigMapPartsUnderOneMebibyte() throws Exception {
        byte[] dump = new byte[1_700_000]; // three parts
        new java.util.Random(7).nextBytes(dump);
        Dataset big = new Dataset(unique("big"), file("big.dump", dump), 1, "shop", "shop", "s3cret", null);
        KubernetesDatasets datasets = datasets(big);
        List<byte[]> parts = Collections.synchronizedList(new ArrayList<>());
        List<Job> jobs = Collections.synchronizedList(new ArrayList<>());
        plane.kubelet().onJobCreated(job -> {
            if (!job.getMetadata().getNamespace().equals(datasets.namespace())) {
                return;
            }
            jobs.add(job);
            // what the Job's pod would read: the ConfigMaps of its projected volume, in order
            var volumes = job.getSpec().getTemplate().getSpec().getVolumes();
            volumes.stream().filter(v -> v.getProjected() != null).flatMap(v -> v.getProjected().getSources()
                    .stream()).forEach(source -> {
                        ConfigMap part = client.configMaps().inNamespace(datasets.namespace())
                                .withName(source.getConfigMap().getName()).get();
                        assertTrue(io.fabric8.kubernetes.client.utils.Serialization.asJson(part).length() < 1024 * 1024,
                                "a ConfigMap holds at most 1 MiB");
                        part.getBinaryData().values().forEach(b -> parts.add(Base64.getDecoder().decode(b)));
                    });
        });
        try {
            Duration took = datasets.ensureSnapshot(big);
            assertTrue(took.compareTo(Duration.ZERO) > 0);
        } finally {
            plane.kubelet().onJobCreated(job -> {
            });
        }
        Job restore = jobs.get(0);
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "restore"), restore.getSpec().getTemplate().getSpec()
                .getContainers().get(0).getCommand());
        assertEquals(KubernetesDatasets.DEFAULT_IMAGE, restore.getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImage());
        assertEquals(3, parts.size(), "the dump in three parts");
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        parts.forEach(joined::writeBytes);
        assertArrayEquals(dump, joined.toByteArray(), "the parts make the dump again");
        assertTrue(restore.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .noneMatch(e -> "s3cret".equals(e.getValue())), "the password is read from a Secret");

        PersistentVolumeClaim snapshot = claim(datasets.namespace(), datasets.snapshotClaim(big));
        assertEquals("snapshot", snapshot.getMetadata().getLabels().get(DatasetSource.ROLE));
        assertEquals(datasets.source(big), snapshot.getMetadata().getLabels().get(DatasetSource.SOURCE));
        assertEquals("Bound", snapshot.getStatus().getPhase());
        assertTrue(client.namespaces().withName(datasets.namespace()).get().getMetadata().getLabels().entrySet()
                .contains(Map.entry(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)), "the datasets namespace is ours");
        assertEquals(List.of(), client.configMaps().inNamespace(datasets.namespace()).withLabel(DatasetSource.ROLE,
                "source").list().getItems().stream().filter(m -> m.getBinaryData() != null).toList(),
                "the dump's parts go once the snapshot is made");
        assertEquals(Duration.ZERO, datasets.ensureSnapshot(big), "restored once");
        assertTrue(new PoolStatus(big.name(), 1, true, 0, 0, 0).equals(datasets.status(big)));
    }

    @Test
    void aRefillMakesThePoolOfCopiesClonedFromTheSnapshotEachMadeReadyByAJob() throws Exception {
        Dataset customers = dataset(unique("customers"), 2, List.of());
        KubernetesDatasets datasets = datasets(customers);
        assertEquals(2, datasets.refill(customers));
        assertEquals(new PoolStatus(customers.name(), 2, true, 2, 0, 0), datasets.status(customers));
        String snapshotVolume = claim(datasets.namespace(), datasets.snapshotClaim(customers)).getSpec()
                .getVolumeName();
        for (PersistentVolumeClaim copy : copies(datasets, "ready")) {
            assertEquals(datasets.snapshotClaim(customers), copy.getSpec().getDataSource().getName());
            assertEquals("PersistentVolumeClaim", copy.getSpec().getDataSource().getKind());
            assertEquals("csi-clone", copy.getSpec().getStorageClassName());
            PersistentVolume pv = volume(copy.getSpec().getVolumeName());
            assertEquals(snapshotVolume, pv.getMetadata().getAnnotations().get(ControlPlane.CLONED_FROM),
                    "a clone of the snapshot's volume");
        }
        assertEquals(0, datasets.refill(customers), "the pool is full");
        assertEquals(List.of(), client.batch().v1().jobs().inNamespace(datasets.namespace()).list().getItems()
                .stream().filter(j -> j.getMetadata().getDeletionTimestamp() == null).toList(),
                "the restore and prepare Jobs are deleted once done");
    }

    @Test
    void setupChecksOutAReadyCopyMountsItInTheDbServiceAndTeardownLeavesNoVolume() throws Exception {
        Dataset customers = dataset(unique("customers"), 2, List.of());
        KubernetesDatasets datasets = datasets(customers);
        datasets.refill(customers);
        Set<String> pooled = new HashSet<>(copies(datasets, "ready").stream().map(c -> c.getSpec().getVolumeName())
                .toList());
        KubernetesRuntime runtime = runtime(datasets);
        assertTrue(runtime.datasetPools().isPresent());
        String env = unique("shop-pr");
        String ns = KubernetesObjects.namespaceOf(env);

        DeployResult result = runtime.setup(env, spec("shop", customers.name()), Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        String task = "datasets." + customers.name();
        int checkedOut = events.indexOf(events.stream().filter(e -> e.startsWith("succeeded " + task)).findFirst()
                .orElseThrow());
        assertTrue(events.get(checkedOut).contains("from the pool"), events.get(checkedOut));
        assertTrue(checkedOut < events.indexOf("started services.db"), "checked out before the services deploy: "
                + events);

        PersistentVolumeClaim mine = claim(ns, KubernetesDatasets.environmentClaim(customers.name()));
        assertEquals("Bound", mine.getStatus().getPhase());
        assertTrue(pooled.contains(mine.getSpec().getVolumeName()), "a volume of the pool");
        PersistentVolume pv = volume(mine.getSpec().getVolumeName());
        assertEquals(mine.getMetadata().getUid(), pv.getSpec().getClaimRef().getUid(), "bound to the environment");
        assertEquals("Retain", pv.getSpec().getPersistentVolumeReclaimPolicy());
        assertEquals(env, pv.getMetadata().getLabels().get(Labels.ENVIRONMENT));
        assertEquals(env, mine.getMetadata().getLabels().get(Labels.ENVIRONMENT));
        assertEquals(new PoolStatus(customers.name(), 2, true, 1, 0, 1), datasets.status(customers));

        Deployment db = client.apps().deployments().inNamespace(ns).withName("db").get();
        var pod = db.getSpec().getTemplate().getSpec();
        assertEquals(mine.getMetadata().getName(), pod.getVolumes().stream().filter(v -> v.getName().equals(
                KubernetesObjects.DATASET_VOLUME)).findFirst().orElseThrow().getPersistentVolumeClaim()
                .getClaimName());
        var container = pod.getContainers().get(0);
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(
                KubernetesObjects.DATASET_VOLUME) && m.getMountPath().equals("/var/lib/postgresql/data")));
        assertEquals("Recreate", db.getSpec().getStrategy().getType(), "a ReadWriteOnce copy: one pod at a time");
        assertEquals(999L, container.getSecurityContext().getRunAsUser(), "as the owner of the copy's files");
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), "under the restricted profile");
        Map<String, EnvVar> env1 = new java.util.HashMap<>();
        container.getEnv().forEach(e -> env1.put(e.getName(), e));
        assertEquals("/var/lib/postgresql/data/pgdata", env1.get("PGDATA").getValue());
        assertEquals("shop", env1.get("POSTGRES_USER").getValue());
        assertEquals("shop", env1.get("POSTGRES_DB").getValue());
        assertNull(env1.get("POSTGRES_PASSWORD").getValue(), "the password is not in the Deployment");
        assertEquals(KubernetesObjects.VARIABLES_SECRET, env1.get("POSTGRES_PASSWORD").getValueFrom()
                .getSecretKeyRef().getName());
        Deployment api = client.apps().deployments().inNamespace(ns).withName("api").get();
        assertTrue(api.getSpec().getTemplate().getSpec().getVolumes().stream().noneMatch(v -> v.getName().equals(
                KubernetesObjects.DATASET_VOLUME)), "only the db service mounts the copy");

        Secret variables = client.secrets().inNamespace(ns).withName(KubernetesObjects.VARIABLES_SECRET).get();
        String prefix = customers.name().toUpperCase().replace('-', '_') + "_DATABASE";
        assertEquals("postgresql://shop:s3cret@db:5432/shop", decode(variables.getData().get(prefix + "_URL")));
        assertEquals("db", decode(variables.getData().get(prefix + "_HOST")));
        assertEquals("5432", decode(variables.getData().get(prefix + "_PORT")));
        assertEquals("s3cret", decode(variables.getData().get(prefix + "_PASSWORD")));
        assertEquals("postgresql://shop:s3cret@db:5432/shop", decode(variables.getData().get("DATABASE_URL")));
        assertEquals("shop", decode(variables.getData().get("PGDATABASE")));
        assertEquals(env1.get("POSTGRES_PASSWORD").getValueFrom().getSecretKeyRef().getKey(), prefix + "_PASSWORD");

        events.clear();
        assertTrue(runtime.setup(env, spec("shop", customers.name()), Map.of(), null, listener).succeeded());
        assertEquals(mine.getSpec().getVolumeName(), claim(ns, mine.getMetadata().getName()).getSpec()
                .getVolumeName(), "a setup run again keeps its copy");
        assertEquals(1, datasets.status(customers).ready(), "and takes no other");

        TeardownResult down = runtime.teardown(env, List.of(), listener);
        assertTrue(down.clean(), String.valueOf(down.leftovers()));
        assertTrue(down.removed().contains("persistentvolume " + pv.getMetadata().getName()), down.removed()
                .toString());
        assertNull(volume(pv.getMetadata().getName()), "the copy's volume is gone");
        assertEquals(List.of(), client.persistentVolumes().withLabel(Labels.ENVIRONMENT, env).list().getItems());
        assertNull(client.namespaces().withName(ns).get());
        assertEquals(0, datasets.status(customers).checkedOut());
    }

    @Test
    void twoSetupsCheckingOutAtOnceNeverGetTheSameVolume() throws Exception {
        Dataset customers = dataset(unique("customers"), 3, List.of());
        KubernetesDatasets datasets = datasets(customers);
        datasets.refill(customers);
        List<String> envs = List.of(unique("race-a"), unique("race-b"), unique("race-c"));
        envs.forEach(e -> createNamespace(KubernetesObjects.namespaceOf(e)));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(envs.size());
        try {
            List<Future<KubernetesDatasets.Checkout>> outs = new ArrayList<>();
            for (String env : envs) {
                outs.add(pool.submit(() -> {
                    go.await();
                    return datasets.checkout(env, KubernetesObjects.namespaceOf(env), customers);
                }));
            }
            go.countDown();
            Set<String> volumes = new HashSet<>();
            for (var out : outs) {
                KubernetesDatasets.Checkout copy = out.get();
                assertTrue(copy.fromPool());
                volumes.add(copy.volume());
            }
            assertEquals(envs.size(), volumes.size(), "each setup got its own volume: " + volumes);
        } finally {
            pool.shutdownNow();
        }
        for (String env : envs) {
            PersistentVolume pv = datasets.claimedBy(env, customers).orElseThrow();
            assertEquals(KubernetesObjects.namespaceOf(env), pv.getSpec().getClaimRef().getNamespace());
            assertEquals("Bound", claim(KubernetesObjects.namespaceOf(env), KubernetesDatasets.environmentClaim(
                    customers.name())).getStatus().getPhase());
        }
        assertEquals(new PoolStatus(customers.name(), 3, true, 0, 0, 3), datasets.status(customers));
    }

    @Test
    void aCheckoutThatLosesTheVolumeToAnotherWriterTakesTheNextCopy() throws Exception {
        Dataset customers = dataset(unique("customers"), 2, List.of());
        KubernetesDatasets datasets = datasets(customers);
        datasets.refill(customers);
        List<String> ready = copies(datasets, "ready").stream().map(c -> c.getMetadata().getName()).sorted()
                .toList();
        String env = unique("conflict");
        createNamespace(KubernetesObjects.namespaceOf(env));
        plane.conflictNext(RUNTIME_AGENT, 1); // the first volume's update meets a newer resourceVersion: 409
        KubernetesDatasets.Checkout copy = datasets.checkout(env, KubernetesObjects.namespaceOf(env), customers);
        assertEquals(0, plane.conflictsLeft(RUNTIME_AGENT));
        assertTrue(copy.fromPool());
        assertEquals(List.of(ready.get(0)), copies(datasets, "ready").stream().map(c -> c.getMetadata().getName())
                .toList(), "the copy it lost stays in the pool");
        assertNotEquals(claim(datasets.namespace(), ready.get(0)).getSpec().getVolumeName(), copy.volume());
    }

    @Test
    void anEmptyPoolMakesACopyForTheEnvironmentAndSaysSo() throws Exception {
        Dataset customers = dataset(unique("customers"), 0, List.of());
        KubernetesDatasets datasets = datasets(customers);
        KubernetesRuntime runtime = runtime(datasets);
        String env = unique("empty");
        DeployResult result = runtime.setup(env, spec("shop", customers.name()), Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("succeeded datasets." + customers.name())
                && e.contains("the pool was empty")), events.toString());
        PersistentVolumeClaim mine = claim(KubernetesObjects.namespaceOf(env),
                KubernetesDatasets.environmentClaim(customers.name()));
        assertEquals("Bound", mine.getStatus().getPhase());
        String snapshotVolume = claim(datasets.namespace(), datasets.snapshotClaim(customers)).getSpec()
                .getVolumeName();
        assertEquals(snapshotVolume, volume(mine.getSpec().getVolumeName()).getMetadata().getAnnotations()
                .get(ControlPlane.CLONED_FROM), "cloned from the snapshot");
        assertEquals(List.of(), client.persistentVolumeClaims().inNamespace(datasets.namespace())
                .withLabel(DatasetSource.ROLE, "filling").list().getItems(), "the copy's pool claim is gone");
        assertTrue(runtime.teardown(env, List.of(), listener).clean());
        assertNull(volume(mine.getSpec().getVolumeName()));
    }

    @Test
    void theSweepRemovesCopiesOfAnOlderDumpAndLeavesCheckedOutOnes() throws Exception {
        Dataset v1 = dataset(unique("orders"), 2, List.of());
        KubernetesDatasets datasets = datasets(v1);
        datasets.refill(v1);
        String env = unique("holder");
        createNamespace(KubernetesObjects.namespaceOf(env));
        KubernetesDatasets.Checkout held = datasets.checkout(env, KubernetesObjects.namespaceOf(env), v1);
        String oldSnapshot = datasets.snapshotClaim(v1);
        List<String> oldReady = copies(datasets, "ready").stream().map(c -> c.getMetadata().getName()).toList();
        assertEquals(1, oldReady.size());

        Files.writeString(v1.dump(), "CREATE TABLE orders (id int);\n"); // a new dump
        Dataset v2 = new Dataset(v1.name(), v1.dump(), 2, "shop", "shop", "s3cret", null);
        KubernetesDatasets next = new KubernetesDatasets(runtimeClient, List.of(v2), new KubernetesDatasets.Options(
                datasets.namespace(), "csi-clone", "5Gi", 0, Map.of()));
        assertNotEquals(datasets.source(v1), next.source(v2));
        assertEquals(new PoolStatus(v2.name(), 2, false, 0, 0, 1), next.status(v2), "nothing of the new dump yet");
        List<String> removed = next.sweep();
        assertTrue(removed.contains("persistentvolumeclaim " + datasets.namespace() + "/" + oldSnapshot), removed
                .toString());
        assertTrue(removed.contains("persistentvolumeclaim " + datasets.namespace() + "/" + oldReady.get(0)));
        awaitGone(datasets.namespace(), oldReady.get(0));
        assertNotNull(volume(held.volume()), "a checked-out copy stays with its environment");
        assertEquals("Bound", claim(KubernetesObjects.namespaceOf(env), held.claim()).getStatus().getPhase());

        // a volume whose environment went without a teardown: its claim is gone, it is Released and swept
        client.namespaces().withName(KubernetesObjects.namespaceOf(env)).delete();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"Released".equals(phase(held.volume())) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("Released", phase(held.volume()), "Retain keeps it once its claim is gone");
        assertTrue(next.sweep().contains("persistentvolume " + held.volume()));
        assertNull(volume(held.volume()));
    }

    @Test
    void aMysqlDatasetIsRestoredAndPreparedByMariadbJobsAndServedWithItsEnginesVariables() throws Exception {
        Path dump = file("shop.sql.gz", gzip("CREATE TABLE customers (id int, name text);\n"));
        Path obfuscate = file("scrub.sql", "UPDATE customers SET name = 'x';\n".getBytes(StandardCharsets.UTF_8));
        Dataset shop = new Dataset(unique("shop"), dump, 1, "shop", "shopper", "s3'cret", obfuscate, List.of(),
                Dataset.Engine.MYSQL, null);
        KubernetesDatasets datasets = datasets(shop);
        List<Job> jobs = Collections.synchronizedList(new ArrayList<>());
        plane.kubelet().onJobCreated(job -> {
            if (job.getMetadata().getNamespace().equals(datasets.namespace())) {
                jobs.add(job);
            }
        });
        try {
            assertEquals(1, datasets.refill(shop));
        } finally {
            plane.kubelet().onJobCreated(job -> {
            });
        }
        assertEquals(List.of("restore", "prepare"), jobs.stream().map(j -> j.getMetadata().getLabels().get(
                DatasetSource.ROLE)).toList());
        for (Job job : jobs) {
            var pod = job.getSpec().getTemplate().getSpec();
            var container = pod.getContainers().get(0);
            String mode = job.getMetadata().getLabels().get(DatasetSource.ROLE);
            assertEquals(KubernetesDatasets.DEFAULT_MYSQL_IMAGE, container.getImage());
            assertEquals("mariadb:10.11", container.getImage());
            assertEquals(List.of("sh", "/stagecraft/bin/job.sh", mode, "mysql"), container.getCommand());
            assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("data")
                    && m.getMountPath().equals("/var/lib/mysql")), "the claim at MariaDB's data directory");
            Map<String, EnvVar> env = new java.util.HashMap<>();
            container.getEnv().forEach(e -> env.put(e.getName(), e));
            assertEquals("shop", env.get("MYSQL_DATABASE").getValue());
            assertEquals("shopper", env.get("MYSQL_USER").getValue());
            assertEquals("/var/lib/mysql", env.get("MYSQL_DATADIR").getValue());
            assertNull(env.get("MYSQL_PASSWORD").getValue(), "the password is read from a Secret");
            assertEquals(shop.name() + "-auth-" + datasets.source(shop), env.get("MYSQL_PASSWORD").getValueFrom()
                    .getSecretKeyRef().getName());
            assertFalse(env.containsKey("PGDATA") || env.containsKey("POSTGRES_USER"), env.keySet().toString());
            assertEquals(999L, pod.getSecurityContext().getRunAsUser(), "as the image's mysql user");
            assertEquals(999L, pod.getSecurityContext().getFsGroup());
            assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
            assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation());
        }
        var restoreVolumes = jobs.get(0).getSpec().getTemplate().getSpec().getVolumes();
        assertTrue(restoreVolumes.stream().anyMatch(v -> v.getProjected() != null), "the dump's parts");
        assertTrue(jobs.get(1).getSpec().getTemplate().getSpec().getVolumes().stream().anyMatch(v -> v.getConfigMap()
                != null && v.getConfigMap().getName().startsWith(shop.name() + "-obfuscate-")), "the obfuscation");
        assertEquals(new PoolStatus(shop.name(), 1, true, 1, 0, 0), datasets.status(shop));
        Dataset asPostgres = new Dataset(shop.name(), dump, 1, "shop", "shopper", "s3'cret", obfuscate);
        assertFalse(datasets.source(shop).equals(DatasetSource.hash(asPostgres)),
                "the engine is part of the source: a dataset changing engine is restored again");

        KubernetesRuntime runtime = runtime(datasets);
        String environment = unique("shop-pr");
        String ns = KubernetesObjects.namespaceOf(environment);
        EnvironmentSpec spec = new EnvironmentSpec("shop", List.of(service("db", "mariadb:10.11", 3306, List.of()),
                service("api", "registry/api:1", 8080, List.of("db"))), Map.of(), List.of(), Map.of(), Map.of(),
                List.of(), "ephemeral", null, "kubernetes", List.of(), List.of(new DatasetSpec(shop.name(), "db")));
        DeployResult result = runtime.setup(environment, spec, Map.of(), null, listener);
        assertTrue(result.succeeded(), result.reason());
        PersistentVolumeClaim mine = claim(ns, KubernetesDatasets.environmentClaim(shop.name()));
        assertEquals("Bound", mine.getStatus().getPhase());
        String pv = mine.getSpec().getVolumeName();

        Deployment db = client.apps().deployments().inNamespace(ns).withName("db").get();
        var container = db.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals(
                KubernetesObjects.DATASET_VOLUME) && m.getMountPath().equals("/var/lib/mysql")), "the copy's data");
        assertEquals(999L, container.getSecurityContext().getRunAsUser(), "as the owner of the copy's files");
        assertEquals(999L, container.getSecurityContext().getRunAsGroup());
        Map<String, EnvVar> served = new java.util.HashMap<>();
        container.getEnv().forEach(e -> served.put(e.getName(), e));
        assertEquals("shopper", served.get("MYSQL_USER").getValue());
        assertEquals("shopper", served.get("MARIADB_USER").getValue());
        assertEquals("shop", served.get("MYSQL_DATABASE").getValue());
        assertEquals("shop", served.get("MARIADB_DATABASE").getValue());
        String prefix = shop.name().toUpperCase().replace('-', '_') + "_DATABASE";
        for (String password : List.of("MYSQL_PASSWORD", "MARIADB_PASSWORD")) {
            assertNull(served.get(password).getValue(), "the password is not in the Deployment");
            assertEquals(KubernetesObjects.VARIABLES_SECRET, served.get(password).getValueFrom().getSecretKeyRef()
                    .getName());
            assertEquals(prefix + "_PASSWORD", served.get(password).getValueFrom().getSecretKeyRef().getKey());
        }
        assertFalse(served.containsKey("PGDATA") || served.containsKey("POSTGRES_PASSWORD"), served.keySet()
                .toString());

        Secret variables = client.secrets().inNamespace(ns).withName(KubernetesObjects.VARIABLES_SECRET).get();
        assertEquals("mysql://shopper:s3%27cret@db:3306/shop", decode(variables.getData().get(prefix + "_URL")));
        assertEquals("mysql://shopper:s3%27cret@db:3306/shop", decode(variables.getData().get("DATABASE_URL")));
        assertEquals("3306", decode(variables.getData().get(prefix + "_PORT")));
        assertEquals("db", decode(variables.getData().get("MYSQL_HOST")));
        assertEquals("3306", decode(variables.getData().get("MYSQL_TCP_PORT")));
        assertEquals("s3'cret", decode(variables.getData().get("MYSQL_PWD")));
        assertFalse(variables.getData().containsKey("PGHOST"));

        TeardownResult down = runtime.teardown(environment, List.of(), listener);
        assertTrue(down.clean(), String.valueOf(down.leftovers()));
        assertTrue(down.removed().contains("persistentvolume " + pv), down.removed().toString());
        assertNull(volume(pv), "the copy's volume is gone");
        assertEquals(0, datasets.status(shop).checkedOut());
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var zip = new java.util.zip.GZIPOutputStream(out)) {
            zip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void aDatasetForAnotherApplicationOrUnknownIsRefusedBeforeAnyCopyIsTouched() throws Exception {
        Dataset payroll = dataset(unique("payroll"), 1, List.of("hr"));
        KubernetesDatasets datasets = datasets(payroll);
        datasets.refill(payroll);
        KubernetesRuntime runtime = runtime(datasets);
        String env = unique("shop-pr");
        DeployResult refused = runtime.setup(env, spec("shop", payroll.name()), Map.of(), null, listener);
        assertFalse(refused.succeeded());
        assertEquals("datasets." + payroll.name(), refused.failedTask());
        assertTrue(refused.reason().contains("is for application(s) hr only"), refused.reason());
        assertEquals(1, datasets.status(payroll).ready(), "the pool is untouched");
        assertFalse(events.contains("started services.db"), "no service deployed");

        DeployResult unknown = runtime.setup(env, spec("shop", "no-such-data"), Map.of(), null, listener);
        assertFalse(unknown.succeeded());
        assertTrue(unknown.reason().contains("no dataset 'no-such-data'") && unknown.reason().contains(payroll.name()),
                unknown.reason());
        assertTrue(runtime.teardown(env, List.of(), listener).clean());


        String other = unique("none");
        DeployResult none = runtime(null).setup(other, spec("shop", payroll.name()), Map.of(), null, listener);
        assertTrue(none.reason().contains("no datasets configured"), none.reason());
        assertTrue(runtime(null).teardown(other, List.of(), listener).clean());
    }

    @Test
    void aDumpOverTheCapIsRefusedNamingTheCapAndAFailedRestoreSaysWhy() throws Exception {
        Dataset huge = new Dataset(unique("huge"), file("huge.sql", new byte[3 * 1024 * 1024]), 1, "shop", "shop",
                "s3cret", null);
        KubernetesDatasets capped = datasets(2L * 1024 * 1024, huge);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> capped.refill(huge));
        assertTrue(refused.getMessage().contains("over the 2.0 MiB") && refused.getMessage().contains(
                "max-dump-size") && refused.getMessage().contains("seed job whose image holds the data"),
                refused.getMessage());

        Dataset broken = dataset(unique("broken"), 1, List.of());
        KubernetesDatasets datasets = new KubernetesDatasets(runtimeClient, List.of(broken),
                new KubernetesDatasets.Options(unique("datasets"), null, null, 0, Map.of(broken.name(),
                        "registry.example.test/postgres:broken")));
        plane.kubelet().image("registry.example.test/postgres:broken", FakeKubelet.Behaviour.FAIL);
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> datasets.refill(broken));
        assertTrue(failed.getMessage().contains("restore of " + broken.dump()), failed.getMessage());
        awaitGone(datasets.namespace(), datasets.snapshotClaim(broken));
        assertFalse(datasets.status(broken).snapshot());
    }

    @Test
    void withoutDatasetsTheRuntimeReportsNoPoolsAndTearsDownWhereVolumesMayNotBeRead() {
        String agent = "stagecraft-runtime-without-datasets";
        plane.forbid(agent, "/api/v1/persistentvolumes");
        try (KubernetesClient limited = plane.client(agent)) {
            KubernetesRuntime runtime = new KubernetesRuntime(limited, Duration.ofSeconds(10), null, IngressTls.NONE,
                    null, null, value -> value, POLICY, new KubernetesDatasets(limited, List.of(),
                            KubernetesDatasets.Options.defaults()));
            assertTrue(runtime.datasetPools().isEmpty(), "no pools for the setup-service to refill or report");
            String env = unique("plain");
            EnvironmentSpec plain = new EnvironmentSpec("shop", List.of(service("api", "registry/api:1", 8080,
                    List.of())), Map.of(), List.of(), Map.of(), Map.of(), List.of(), "ephemeral", null, "kubernetes",
                    List.of(), List.of());
            assertTrue(runtime.setup(env, plain, Map.of(), null, listener).succeeded());
            TeardownResult down = runtime.teardown(env, List.of(), listener);
            assertTrue(down.clean(), String.valueOf(down.leftovers()));
        }
    }

    @Test
    void aSeedJobFillsTheSnapshotThroughADatabaseOnlyItCanReachThenTheDatabaseStopsAndTheClaimIsSealed()
            throws Exception {
        Dataset seeded = dataset(unique("seeded"), 1, List.of()).withSeed(new Dataset.Seed(
                "registry.example.test/shop-seed:7", List.of("/seed", "--rows", "40"), Map.of("ROWS", "40")));
        KubernetesDatasets datasets = datasets(seeded);
        String name = datasets.seedName(seeded);
        List<Job> jobs = Collections.synchronizedList(new ArrayList<>());
        Map<String, Object> atSeed = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> podsAtSeal = Collections.synchronizedList(new ArrayList<>());
        plane.kubelet().onJobCreated(job -> {
            if (!job.getMetadata().getNamespace().equals(datasets.namespace())) {
                return;
            }
            jobs.add(job);
            String ns = datasets.namespace();
            if ("seed".equals(job.getMetadata().getLabels().get(DatasetSource.ROLE))) {
                atSeed.put("deployment", client.apps().deployments().inNamespace(ns).withName(name).get());
                atSeed.put("service", client.services().inNamespace(ns).withName(name).get());
                atSeed.put("secret", client.secrets().inNamespace(ns).withName(name + "-env").get());
                atSeed.put("database", client.network().networkPolicies().inNamespace(ns).withName(name).get());
                atSeed.put("job", client.network().networkPolicies().inNamespace(ns).withName(name + "-job").get());
                atSeed.put("ready", client.pods().inNamespace(ns).withLabel(Labels.SERVICE, name).list().getItems()
                        .stream().anyMatch(ControlPlane::ready));
            }
            if ("seal".equals(job.getMetadata().getLabels().get(DatasetSource.ROLE))) {
                client.pods().inNamespace(ns).withLabel(Labels.SERVICE, name).list().getItems()
                        .forEach(p -> podsAtSeal.add(p.getMetadata().getName()));
            }
        });
        try {
            assertEquals(1, datasets.refill(seeded));
        } finally {
            plane.kubelet().onJobCreated(job -> {
            });
        }
        assertEquals(List.of("seed", "seal", "prepare"), jobs.stream().map(j -> j.getMetadata().getLabels()
                .get(DatasetSource.ROLE)).toList(), "the seed job, then the seal, then a copy made ready");

        // the database: the empty snapshot claim served by the engine's image, ready once it answers
        Deployment database = (Deployment) atSeed.get("deployment");
        assertNotNull(database, "the seed job runs while its database serves");
        assertEquals(Boolean.TRUE, atSeed.get("ready"), "the seed job starts once the database is ready");
        var dbPod = database.getSpec().getTemplate().getSpec();
        var dbContainer = dbPod.getContainers().get(0);
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "serve"), dbContainer.getCommand());
        assertEquals(KubernetesDatasets.DEFAULT_IMAGE, dbContainer.getImage());
        assertEquals(datasets.snapshotClaim(seeded), dbPod.getVolumes().stream().filter(v -> v
                .getPersistentVolumeClaim() != null).findFirst().orElseThrow().getPersistentVolumeClaim()
                .getClaimName());
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "ready"), dbContainer.getReadinessProbe().getExec()
                .getCommand());
        assertEquals(5432, dbContainer.getPorts().get(0).getContainerPort());
        assertEquals(Boolean.TRUE, dbPod.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.FALSE, dbPod.getAutomountServiceAccountToken());
        assertEquals(300L, dbPod.getTerminationGracePeriodSeconds(), "time for a clean stop");
        assertTrue(dbContainer.getEnv().stream().noneMatch(e -> "s3cret".equals(e.getValue())),
                "the password is read from a Secret");
        var service = (io.fabric8.kubernetes.api.model.Service) atSeed.get("service");
        assertEquals(database.getSpec().getTemplate().getMetadata().getLabels(), service.getSpec().getSelector());
        assertEquals(5432, service.getSpec().getPorts().get(0).getPort());

        // the seed job: its image and command, the connection variables and its own, from a Secret
        Job seed = jobs.get(0);
        assertEquals(seeded.name() + "-restore-" + datasets.source(seeded), seed.getMetadata().getName(),
                "named as a restore, so another process sees the snapshot being made");
        var seedPod = seed.getSpec().getTemplate().getSpec();
        var seedContainer = seedPod.getContainers().get(0);
        assertEquals("registry.example.test/shop-seed:7", seedContainer.getImage());
        assertEquals(List.of("/seed", "--rows", "40"), seedContainer.getCommand());
        assertNull(seedContainer.getEnv() == null || seedContainer.getEnv().isEmpty() ? null
                : seedContainer.getEnv(), "every variable comes from the Secret");
        assertEquals(name + "-env", seedContainer.getEnvFrom().get(0).getSecretRef().getName());
        assertEquals(Boolean.FALSE, seedPod.getAutomountServiceAccountToken(), "no ServiceAccount token");
        assertEquals(Boolean.FALSE, seedPod.getEnableServiceLinks(), "no variables of other Services");
        assertEquals(Boolean.TRUE, seedPod.getSecurityContext().getRunAsNonRoot());
        assertEquals(Boolean.FALSE, seedContainer.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(0, seed.getSpec().getBackoffLimit());
        Secret variables = (Secret) atSeed.get("secret");
        Map<String, String> env = new java.util.HashMap<>();
        (variables.getStringData() != null ? variables.getStringData() : Map.<String, String>of()).forEach(env::put);
        if (variables.getData() != null) {
            variables.getData().forEach((k, v) -> env.put(k, decode(v)));
        }
        String host = name + "." + datasets.namespace() + ".svc";
        assertEquals("postgresql://shop:s3cret@" + host + ":5432/shop", env.get("DATABASE_URL"));
        assertEquals(host, env.get("PGHOST"));
        assertEquals("40", env.get("ROWS"));

        // the two policies: the seed's pod reaches the database and DNS only, and only it reaches the database
        var toDatabase = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) atSeed.get("database");
        assertEquals(database.getSpec().getTemplate().getMetadata().getLabels(), toDatabase.getSpec().getPodSelector()
                .getMatchLabels());
        assertEquals(seed.getSpec().getTemplate().getMetadata().getLabels(), toDatabase.getSpec().getIngress().get(0)
                .getFrom().get(0).getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress", "Egress"), toDatabase.getSpec().getPolicyTypes());
        assertTrue(toDatabase.getSpec().getEgress() == null || toDatabase.getSpec().getEgress().isEmpty(),
                "the database sends nothing");
        var fromSeed = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) atSeed.get("job");
        assertEquals(seed.getSpec().getTemplate().getMetadata().getLabels(), fromSeed.getSpec().getPodSelector()
                .getMatchLabels());
        assertEquals(database.getSpec().getTemplate().getMetadata().getLabels(), fromSeed.getSpec().getEgress().get(0)
                .getTo().get(0).getPodSelector().getMatchLabels());
        assertEquals(5432, fromSeed.getSpec().getEgress().get(0).getPorts().get(0).getPort().getIntVal());
        assertEquals("kube-dns", fromSeed.getSpec().getEgress().get(1).getTo().get(0).getPodSelector()
                .getMatchLabels().get("k8s-app"));
        assertEquals(Map.of("kubernetes.io/metadata.name", "kube-system"), fromSeed.getSpec().getEgress().get(1)
                .getTo().get(0).getNamespaceSelector().getMatchLabels(), "the cluster's DNS, in kube-system");
        assertEquals(Set.of("UDP/53", "TCP/53"), fromSeed.getSpec().getEgress().get(1).getPorts().stream()
                .map(p -> p.getProtocol() + "/" + p.getPort().getIntVal()).collect(java.util.stream.Collectors
                        .toSet()));
        assertEquals(2, fromSeed.getSpec().getEgress().size(), "nothing else: no other address, no API server");
        assertNotNull(client.network().networkPolicies().inNamespace(datasets.namespace())
                .withName(KubernetesDatasets.DEFAULT_DENY).get(), "the rest of the namespace gets no traffic");

        // sealed once the database pod is gone, then nothing of the seed is left but the snapshot
        assertEquals(List.of(), podsAtSeal, "the seal starts once the database's pod is gone");
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "seal"), jobs.get(1).getSpec().getTemplate().getSpec()
                .getContainers().get(0).getCommand());
        PersistentVolumeClaim snapshot = claim(datasets.namespace(), datasets.snapshotClaim(seeded));
        assertEquals("snapshot", snapshot.getMetadata().getLabels().get(DatasetSource.ROLE));
        assertNull(client.apps().deployments().inNamespace(datasets.namespace()).withName(name).get());
        assertNull(client.services().inNamespace(datasets.namespace()).withName(name).get());
        assertNull(client.secrets().inNamespace(datasets.namespace()).withName(name + "-env").get());
        assertEquals(List.of(KubernetesDatasets.DEFAULT_DENY), client.network().networkPolicies()
                .inNamespace(datasets.namespace()).list().getItems().stream().map(p -> p.getMetadata().getName())
                .toList());
        assertEquals(new PoolStatus(seeded.name(), 1, true, 1, 0, 0), datasets.status(seeded));

        // a checkout serves the seeded copy as any other
        KubernetesRuntime runtime = runtime(datasets);
        String environment = unique("seeded-pr");
        assertTrue(runtime.setup(environment, spec("shop", seeded.name()), Map.of(), null, listener).succeeded(),
                events.toString());
        assertTrue(runtime.teardown(environment, List.of(), listener).clean());
    }

    @Test
    void aFailingSeedJobLeavesNothingAndSaysWhyAndAMysqlSeedGetsTheEnginesDatabase() throws Exception {
        Dataset broken = dataset(unique("broken-seed"), 1, List.of()).withSeed(new Dataset.Seed(
                "registry.example.test/seed:broken", List.of(), Map.of()));
        KubernetesDatasets datasets = datasets(broken);
        plane.kubelet().image("registry.example.test/seed:broken", FakeKubelet.Behaviour.FAIL);
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> datasets.refill(broken));
        assertTrue(failed.getMessage().contains("the seed job registry.example.test/seed:broken"),
                failed.getMessage());
        awaitGone(datasets.namespace(), datasets.snapshotClaim(broken));
        String name = datasets.seedName(broken);
        assertNull(client.apps().deployments().inNamespace(datasets.namespace()).withName(name).get());
        assertNull(client.services().inNamespace(datasets.namespace()).withName(name).get());
        assertNull(client.secrets().inNamespace(datasets.namespace()).withName(name + "-env").get());
        assertEquals(1, client.network().networkPolicies().inNamespace(datasets.namespace()).list().getItems().size(),
                "only the namespace's default deny");
        assertFalse(datasets.status(broken).snapshot());

        Dataset base = dataset(unique("orders"), 1, List.of());
        Dataset mysql = new Dataset(base.name(), null, 1, "orders", "orders", "s3cret", null, List.of(),
                Dataset.Engine.MYSQL, new Dataset.Seed("registry.example.test/orders-seed:1", List.of(), Map.of()));
        KubernetesDatasets mysqlDatasets = datasets(mysql);
        List<Deployment> databases = Collections.synchronizedList(new ArrayList<>());
        List<Secret> variables = Collections.synchronizedList(new ArrayList<>());
        plane.kubelet().onJobCreated(job -> {
            if ("seed".equals(job.getMetadata().getLabels().get(DatasetSource.ROLE))) {
                databases.add(client.apps().deployments().inNamespace(mysqlDatasets.namespace())
                        .withName(mysqlDatasets.seedName(mysql)).get());
                variables.add(client.secrets().inNamespace(mysqlDatasets.namespace())
                        .withName(mysqlDatasets.seedName(mysql) + "-env").get());
            }
        });
        try {
            assertEquals(1, mysqlDatasets.refill(mysql));
        } finally {
            plane.kubelet().onJobCreated(job -> {
            });
        }
        var container = databases.get(0).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "serve", "mysql"), container.getCommand());
        assertEquals(KubernetesDatasets.DEFAULT_MYSQL_IMAGE, container.getImage());
        assertEquals(3306, container.getPorts().get(0).getContainerPort());
        assertEquals(List.of("sh", "/stagecraft/bin/job.sh", "ready", "mysql"), container.getReadinessProbe()
                .getExec().getCommand());
        Map<String, String> env = new java.util.HashMap<>();
        Secret secret = variables.get(0);
        if (secret.getStringData() != null) {
            env.putAll(secret.getStringData());
        }
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> env.put(k, decode(v)));
        }
        assertEquals("mysql://orders:s3cret@" + mysqlDatasets.seedName(mysql) + "." + mysqlDatasets.namespace()
                + ".svc:3306/orders", env.get("DATABASE_URL"));
        assertEquals("3306", env.get("MYSQL_TCP_PORT"));
        assertEquals("snapshot", claim(mysqlDatasets.namespace(), mysqlDatasets.snapshotClaim(mysql)).getMetadata()
                .getLabels().get(DatasetSource.ROLE));
    }

    /** Makes or replaces the registry pull Secret {@code namespace/name} with {@code config}; its qualified name. */
    private static String pullSecret(String namespace, String name, String config) {
        if (client.namespaces().withName(namespace).get() == null) {
            createNamespace(namespace);
        }
        Map<String, String> data = Map.of(".dockerconfigjson", Base64.getEncoder().encodeToString(
                config.getBytes(StandardCharsets.UTF_8)));
        if (client.secrets().inNamespace(namespace).withName(name).get() == null) {
            client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withType("kubernetes.io/dockerconfigjson").withData(data).build()).create();
        } else {
            client.secrets().inNamespace(namespace).withName(name).edit(s -> {
                s.setData(data);
                return s;
            });
        }
        return namespace + "/" + name;
    }

    @Test
    void theDatasetsPodsPullWithACopyOfTheRegistryPullSecretThatFollowsTheOriginal() throws Exception {
        String own = unique("stagecraft");
        String pull = pullSecret(own, "registry-pull", "{\"auths\":{\"registry.example.test\":{\"auth\":\"dTpw\"}}}");
        Dataset seeded = dataset(unique("private"), 1, List.of()).withSeed(new Dataset.Seed(
                "registry.example.test/shop-seed:7", List.of(), Map.of()));
        KubernetesDatasets datasets = new KubernetesDatasets(runtimeClient, List.of(seeded), new KubernetesDatasets
                .Options(unique("datasets"), "csi-clone", "5Gi", 0, Map.of()).withPullSecret(pull));
        List<Job> jobs = Collections.synchronizedList(new ArrayList<>());
        plane.kubelet().onJobCreated(jobs::add);
        try {
            assertEquals(1, datasets.refill(seeded));
        } finally {
            plane.kubelet().onJobCreated(job -> {
            });
        }
        Secret copy = client.secrets().inNamespace(datasets.namespace()).withName("registry-pull").get();
        assertEquals(client.secrets().inNamespace(own).withName("registry-pull").get().getData(), copy.getData());
        assertEquals("kubernetes.io/dockerconfigjson", copy.getType());
        List<Job> ours = jobs.stream().filter(j -> j.getMetadata().getNamespace().equals(datasets.namespace()))
                .toList();
        assertEquals(List.of("seed", "seal", "prepare"), ours.stream().map(j -> j.getMetadata().getLabels()
                .get(DatasetSource.ROLE)).toList());
        for (Job job : ours) {
            assertEquals(List.of("registry-pull"), job.getSpec().getTemplate().getSpec().getImagePullSecrets()
                    .stream().map(r -> r.getName()).toList(), job.getMetadata().getName());
        }

        // a new login in the original reaches the copy when the next copy is made
        pullSecret(own, "registry-pull", "{\"auths\":{\"registry.example.test\":{\"auth\":\"dTpx\"}}}");
        client.persistentVolumeClaims().inNamespace(datasets.namespace()).withLabel(DatasetSource.ROLE, "ready")
                .delete();
        long deadline = System.currentTimeMillis() + 5000;
        while (datasets.status(seeded).ready() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, datasets.refill(seeded));
        assertEquals(client.secrets().inNamespace(own).withName("registry-pull").get().getData(),
                client.secrets().inNamespace(datasets.namespace()).withName("registry-pull").get().getData());

        // no original: the refill says which Secret and what to do
        Dataset other = dataset(unique("other"), 1, List.of());
        KubernetesDatasets missing = new KubernetesDatasets(runtimeClient, List.of(other), new KubernetesDatasets
                .Options(unique("datasets"), null, null, 0, Map.of()).withPullSecret(own + "/no-such-secret"));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> missing.refill(other));
        assertTrue(refused.getMessage().contains(own + "/no-such-secret") && refused.getMessage().contains(
                "STAGECRAFT_REGISTRY_PULL_SECRET"), refused.getMessage());
    }

    @Test
    void whatAProcessThatCrashedWhileSeedingLeftIsRemovedAndTheNextRefillSeedsAgain() throws Exception {
        Dataset seeded = dataset(unique("crashed"), 1, List.of()).withSeed(new Dataset.Seed(
                "registry.example.test/seed:1", List.of(), Map.of()));
        KubernetesDatasets datasets = datasets(seeded);
        datasets.refill(seeded); // makes the namespace, the script and the password, as the crashed process had
        String ns = datasets.namespace();
        client.persistentVolumeClaims().inNamespace(ns).withName(datasets.snapshotClaim(seeded)).delete();
        awaitGone(ns, datasets.snapshotClaim(seeded));
        client.persistentVolumeClaims().inNamespace(ns).withLabel(DatasetSource.DATASET, seeded.name()).delete();
        Map<String, String> restoring = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, DatasetSource.DATASET,
                seeded.name(), DatasetSource.ROLE, "restoring", DatasetSource.SOURCE, datasets.source(seeded));
        client.persistentVolumeClaims().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model
                .PersistentVolumeClaimBuilder().withNewMetadata().withName(datasets.snapshotClaim(seeded))
                .withLabels(restoring).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .withRequests(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))).endResources()
                .endSpec().build()).create();
        // its database, still serving the claim: no seed Job followed it
        Map<String, String> db = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, DatasetSource.DATASET,
                seeded.name(), DatasetSource.SOURCE, datasets.source(seeded), Labels.SERVICE, datasets.seedName(seeded));
        client.apps().deployments().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.apps
                .DeploymentBuilder().withNewMetadata().withName(datasets.seedName(seeded)).withLabels(db).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(db).endSelector().withNewTemplate()
                .withNewMetadata().withLabels(db).endMetadata().withNewSpec().addNewContainer().withName("serve")
                .withImage("postgres:15").endContainer().endSpec().endTemplate().endSpec().build()).create();
        KubernetesDatasets.Options same = new KubernetesDatasets.Options(ns, "csi-clone", "5Gi",
                KubernetesDatasets.DEFAULT_MAX_SOURCE, Map.of());
        // five minutes on, the database may still be getting ready for the seed Job: another process waits for it
        KubernetesDatasets soon = new KubernetesDatasets(runtimeClient, List.of(seeded), same,
                java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(5)));
        ExecutorService waiter = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> waiting = waiter.submit(() -> soon.refill(seeded));
            Thread.sleep(1500);
            assertFalse(waiting.isDone(), "a seed's database five minutes old is a seed still starting");

            // twenty minutes on, with the seal Job there: the process is sealing what its seed made, still waited for
            KubernetesDatasets later = new KubernetesDatasets(runtimeClient, List.of(seeded), same,
                    java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofMinutes(20)));
            String sealJob = seeded.name() + "-seal-" + datasets.source(seeded);
            client.batch().v1().jobs().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.batch.v1
                    .JobBuilder().withNewMetadata().withName(sealJob).endMetadata().withNewSpec().withNewTemplate()
                    .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("seal")
                    .withImage("postgres:15").endContainer().endSpec().endTemplate().endSpec().build()).create();
            Future<Integer> sealing = waiter.submit(() -> later.refill(seeded));
            Thread.sleep(1500);
            assertFalse(sealing.isDone(), "a seal Job says the snapshot is being made");

            // without it, nothing made a seed Job for a database 20 minutes old: the process crashed
            client.batch().v1().jobs().inNamespace(ns).withName(sealJob).withPropagationPolicy(
                    io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
            var crash = assertThrows(java.util.concurrent.ExecutionException.class, () -> sealing.get(30,
                    java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(crash.getCause().getMessage().contains("an earlier restore did not finish"),
                    crash.getCause().getMessage());
            var gaveUp = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(30,
                    java.util.concurrent.TimeUnit.SECONDS));
            // it sees the claim go, or (first) the database go and judges the crash itself
            assertTrue(gaveUp.getCause().getMessage().contains("did not finish")
                    && gaveUp.getCause().getMessage().contains("the next refill restores again"),
                    gaveUp.getCause().getMessage());
        } finally {
            waiter.shutdownNow();
        }
        assertNull(client.apps().deployments().inNamespace(ns).withName(datasets.seedName(seeded)).get(),
                "the crashed seed's database is removed");
        awaitGone(ns, datasets.snapshotClaim(seeded));
        assertEquals(1, datasets.refill(seeded), "the next refill seeds again");
        assertEquals("snapshot", claim(ns, datasets.snapshotClaim(seeded)).getMetadata().getLabels()
                .get(DatasetSource.ROLE));
    }

    /**
     * Every call the datasets make is one deploy/kubernetes grants: in the datasets namespace by the Role of
     * 12-datasets.yaml, on volumes by its ClusterRole, in the environment's namespace by the environment role, and
     * cluster-wide (namespaces) by the runtime's ClusterRole; and those two new roles grant nothing unused.
     */
    @Test
    void theDatasetsMakeOnlyTheCallsTheirRolesGrant() throws Exception {
        String agent = "stagecraft-runtime-rbac";
        List<io.fabric8.kubernetes.api.model.HasMetadata> manifests = Manifests.load(client);
        Set<ApiCall> calls = new HashSet<>();
        String datasetsNamespace;
        try (KubernetesClient recorded = plane.client(agent)) {
            Path obfuscate = file("scrub.sql", "UPDATE customers SET name = 'x';\n".getBytes(StandardCharsets.UTF_8));
            Dataset base = dataset(unique("audited"), 1, List.of());
            Dataset audited = new Dataset(base.name(), base.dump(), 1, "shop", "shop", "s3cret", obfuscate);
            Dataset seeded = dataset(unique("seeded"), 1, List.of()).withSeed(new Dataset.Seed(
                    "registry.example.test/seed:1", List.of(), Map.of()));
            // the registry pull Secret the runtime copies, in the Stagecraft namespace as deploy/kubernetes has it
            String pull = pullSecret("stagecraft", "stagecraft-registry-pull", "{}");
            KubernetesDatasets datasets = new KubernetesDatasets(recorded, List.of(audited, seeded),
                    new KubernetesDatasets.Options(unique("datasets"), null, null, 0, Map.of()).withPullSecret(pull));
            datasetsNamespace = datasets.namespace();
            KubernetesRuntime runtime = new KubernetesRuntime(recorded, Duration.ofSeconds(10), null,
                    IngressTls.NONE, null, null, value -> value, POLICY, datasets);
            datasets.refill(audited);
            datasets.refill(seeded);
            String env = unique("audit");
            assertTrue(runtime.setup(env, spec("shop", audited.name()), Map.of(), null, listener).succeeded());
            datasets.status(audited);
            assertTrue(runtime.teardown(env, List.of(), listener).clean());
            datasets.sweep();
            // an older version of the Jobs' script is replaced; a second environment while the pool is empty gets
            // the copy made for it, and goes without a teardown
            client.configMaps().inNamespace(datasetsNamespace).withName(KubernetesDatasets.JOB_SCRIPT).edit(c -> {
                c.setData(Map.of("job.sh", "exit 1\n"));
                return c;
            });
            // the pull Secret's login changed: the copy follows it when the next copy is made
            pullSecret("stagecraft", "stagecraft-registry-pull", "{\"auths\":{}}");
            String other = unique("audit");
            assertTrue(runtime.setup(other, spec("shop", audited.name()), Map.of(), null, listener).succeeded());
            String volume = datasets.claimedBy(other, audited).orElseThrow().getMetadata().getName();
            client.namespaces().withName(KubernetesObjects.namespaceOf(other)).delete();
            long deadline = System.currentTimeMillis() + 10_000;
            while (!"Released".equals(phase(volume)) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            // the dataset is no longer configured: the sweep removes its snapshot, SQL, password and the volume
            KubernetesDatasets none = new KubernetesDatasets(recorded, List.of(), new KubernetesDatasets.Options(
                    datasetsNamespace, null, null, 0, Map.of()));
            List<String> swept = none.sweep();
            assertTrue(swept.contains("persistentvolume " + volume), swept.toString());
            assertTrue(swept.contains("secret " + datasetsNamespace + "/" + audited.name() + "-auth-"
                    + datasets.source(audited)), swept.toString());
            // what a seed of a process that crashed left: its database, Service and NetworkPolicies
            client.apps().deployments().inNamespace(datasetsNamespace).resource(new io.fabric8.kubernetes.api.model
                    .apps.DeploymentBuilder().withNewMetadata().withName(datasets.seedName(seeded))
                    .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, DatasetSource.DATASET,
                            seeded.name(), DatasetSource.SOURCE, datasets.source(seeded)))
                    .endMetadata().withNewSpec().withReplicas(0).withNewSelector().withMatchLabels(Map.of("a", "b"))
                    .endSelector().withNewTemplate().withNewMetadata().withLabels(Map.of("a", "b")).endMetadata()
                    .withNewSpec().addNewContainer().withName("db").withImage("postgres:15").endContainer().endSpec()
                    .endTemplate().endSpec().build()).create();
            List<String> crashed = none.sweep();
            assertTrue(crashed.contains("deployment " + datasetsNamespace + "/" + datasets.seedName(seeded)),
                    crashed.toString());
        }
        for (int pending = plane.server().getRequestCount(); pending > 0; pending--) {
            var r = plane.server().takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
            if (r == null) {
                break;
            }
            if (agent.equals(r.getHeader("User-Agent"))) {
                ApiCall.of(r.getMethod(), r.getPath()).ifPresent(calls::add);
            }
        }
        var clusterRoles = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.ClusterRole.class);
        var datasetsRole = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.Role.class).stream()
                .filter(r -> r.getMetadata().getName().equals("stagecraft-runtime-datasets")).findFirst().orElseThrow();
        var secretsRole = Manifests.of(manifests, io.fabric8.kubernetes.api.model.rbac.Role.class).stream()
                .filter(r -> r.getMetadata().getName().equals("stagecraft-runtime-secrets")).findFirst().orElseThrow();
        assertEquals(KubernetesDatasets.DEFAULT_NAMESPACE, datasetsRole.getMetadata().getNamespace());
        Map<String, List<io.fabric8.kubernetes.api.model.rbac.PolicyRule>> rules = new java.util.HashMap<>();
        clusterRoles.forEach(r -> rules.put(r.getMetadata().getName(), r.getRules()));
        List<String> uncovered = new ArrayList<>();
        Set<String> usedInDatasets = new HashSet<>();
        Set<String> usedOnVolumes = new HashSet<>();
        for (ApiCall call : calls) {
            List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> granted;
            if ("stagecraft".equals(call.namespace())) { // only the pull Secret it copies, which that Role names
                granted = secretsRole.getRules();
                assertTrue(secretsRole.getRules().get(0).getResourceNames().contains("stagecraft-registry-pull"));
            } else if (datasetsNamespace.equals(call.namespace())) {
                granted = datasetsRole.getRules();
                usedInDatasets.add(call.group() + "/" + call.resource() + ":" + call.verb());
            } else if (call.resource().equals("persistentvolumes")) {
                granted = rules.get("stagecraft-runtime-volumes");
                usedOnVolumes.add(call.verb());
            } else if (call.namespace() != null && call.namespace().startsWith("sc-")
                    && !call.resource().equals("rolebindings")) {
                granted = rules.get(KubernetesObjects.ENVIRONMENT_ROLE);
            } else {
                granted = rules.get("stagecraft-runtime");
            }
            boolean allowed = granted.stream().anyMatch(rule -> rule.getApiGroups().contains(call.group())
                    && rule.getResources().contains(call.resource()) && rule.getVerbs().contains(call.verb()));
            if (!allowed) {
                uncovered.add(call.toString());
            }
        }
        assertEquals(List.of(), uncovered, "calls the roles do not allow");
        List<String> unused = new ArrayList<>();
        for (var rule : datasetsRole.getRules()) {
            for (String resource : rule.getResources()) {
                for (String verb : rule.getVerbs()) {
                    if (!usedInDatasets.contains(rule.getApiGroups().get(0) + "/" + resource + ":" + verb)) {
                        unused.add(verb + " " + resource);
                    }
                }
            }
        }
        rules.get("stagecraft-runtime-volumes").forEach(rule -> rule.getVerbs().stream()
                .filter(v -> !usedOnVolumes.contains(v)).forEach(v -> unused.add(v + " persistentvolumes")));
        assertEquals(List.of(), unused, "granted and never used");
    }

    private static String phase(String volume) {
        PersistentVolume pv = volume(volume);
        return pv == null || pv.getStatus() == null ? null : pv.getStatus().getPhase();
    }

    private static void awaitGone(String namespace, String claim) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (claim(namespace, claim) != null && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertNull(claim(namespace, claim));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
