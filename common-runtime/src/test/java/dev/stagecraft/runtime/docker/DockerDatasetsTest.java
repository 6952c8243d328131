package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.PoolStatus;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;

/**
 * Datasets on a real Docker engine with a real PostgreSQL ({@value BaseImages#POSTGRES}, built here from the host's
 * binaries): a dump restored once, a pool of obfuscated copies, checkouts that never share a copy, a database service
 * serving its environment's copy, and teardown leaving nothing.
 */
class DockerDatasetsTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final Path PSQL = Path.of("/usr/lib/postgresql/15/bin/psql");
    private static final int ROWS = 2000;
    private static DockerClient docker;
    private static DockerRuntime runtime;
    private static Dataset customers;

    @BeforeAll
    static void engine() throws IOException {
        docker = TestEngine.withBusybox();
        Path dir = Files.createTempDirectory("dataset");
        customers = new Dataset("customers-" + RUN, writeDump(dir.resolve("customers.sql"), ROWS), 2,
                "shop", "app", "app-secret", Files.writeString(dir.resolve("obfuscate.sql"),
                        "UPDATE customers SET email = 'customer' || id || '@example.invalid';\n"));
        runtime = new DockerRuntime(docker, Duration.ofSeconds(60), ContainerLimits.DEFAULTS, v -> v, null,
                List.of(customers));
    }

    @AfterAll
    static void removeTheDataset() {
        removeDataset(docker, customers.name());
    }

    /** Removes every container and volume of dataset {@code name}: holders first, then the volumes they held. */
    static void removeDataset(DockerClient docker, String name) {
        for (Container c : docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerDatasets.DATASET, name)).exec()) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(DockerDatasets.DATASET + "=" + name)).exec()
                .getVolumes();
        for (var v : volumes == null ? List.<com.github.dockerjava.api.command.InspectVolumeResponse>of() : volumes) {
            docker.removeVolumeCmd(v.getName()).exec();
        }
    }

    /** A plain SQL dump (as {@code pg_dump} writes it) of {@code rows} customers with real-looking e-mails. */
    static Path writeDump(Path file, int rows) throws IOException {
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL,"
                    + " notes text);\nCOPY customers (id, name, email, notes) FROM stdin;\n");
            for (int i = 1; i <= rows; i++) {
                out.write(i + "\tCustomer " + i + "\tperson" + i + "@real-mail.test\tlikes order " + (i * 7 % 1000)
                        + " and pays on time\n");
            }
            out.write("\\.\nCREATE INDEX customers_email ON customers (email);\n");
        }
        return file;
    }

    /** The database service and an application service that only holds its environment. */
    private static EnvironmentSpec spec() {
        ServiceSpec db = new ServiceSpec("db", BaseImages.POSTGRES, null, 5432, Map.of(), List.of(), List.of(),
                List.of(new PortSpec("container_port", 5432, 5432)), null, null, null, 1, List.of(), List.of());
        ServiceSpec app = new ServiceSpec("app", BaseImages.BUSYBOX, null, 0, Map.of(),
                List.of("sh", "-c", "exec sleep 3600"), List.of(), List.of(), null, null, null, 1, List.of(),
                List.of("db"));
        return new EnvironmentSpec("dataset-test", List.of(db, app), Map.of())
                .withDatasets(List.of(new DatasetSpec(customers.name(), "db")));
    }

    /** What {@code sql} prints through psql from this host, connected as the dataset's user to env's database. */
    private static String query(String env, String sql) throws Exception {
        String address = docker.inspectContainerCmd(DockerRuntime.containerName(env, "db")).exec().getNetworkSettings()
                .getNetworks().get(DockerRuntime.networkName(env)).getIpAddress();
        Process psql = new ProcessBuilder(PSQL.toString(), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
                "postgresql://app:app-secret@" + address + ":5432/shop").redirectErrorStream(true).start();
        String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(psql.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, psql.exitValue(), out);
        return out;
    }

    private static List<String> appEnvironment(String env) {
        return List.of(docker.inspectContainerCmd(DockerRuntime.containerName(env, "app")).exec().getConfig().getEnv());
    }

    private static Set<String> volumesOf(String dataset) {
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(DockerDatasets.DATASET + "=" + dataset))
                .exec().getVolumes();
        Set<String> names = new TreeSet<>();
        (volumes == null ? List.<com.github.dockerjava.api.command.InspectVolumeResponse>of() : volumes)
                .forEach(v -> names.add(v.getName()));
        return names;
    }

    @Test
    void aSetupServesAnObfuscatedCopyFromThePoolToItsEnvironmentOnlyAndTeardownDestroysIt() throws Exception {
        DockerDatasets datasets = runtime.datasets();
        assertEquals(2, datasets.refill(customers));
        PoolStatus full = datasets.status(customers);
        assertTrue(full.snapshot());
        assertEquals(2, full.ready());
        assertEquals(0, datasets.refill(customers), "a full pool is left as it is");

        String first = "ds-" + RUN + "-a";
        String second = "ds-" + RUN + "-b";
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        DeployResult a = runtime.setup(first, spec(), Map.of(), RuntimeListener.of(t -> { },
                (t, ok, m) -> events.add((ok ? "succeeded " : "failed ") + t + ": " + m), (s, l) -> { }, () -> { }));
        assertTrue(a.succeeded(), a.reason());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("succeeded datasets." + customers.name() + ": copy ")
                && e.contains("checked out from the pool")), events.toString());

        assertEquals(ROWS + "|0", query(first, "SELECT count(*), count(*) FILTER (WHERE email NOT LIKE"
                + " '%@example.invalid') FROM customers"), "every row is there, and no real e-mail address");
        assertTrue(appEnvironment(first).contains("DATABASE_URL=postgresql://app:app-secret@db:5432/shop"),
                appEnvironment(first).toString());
        String prefix = DockerRuntime.envName(customers.name()) + "_DATABASE";
        assertTrue(appEnvironment(first).contains(prefix + "_HOST=db"), appEnvironment(first).toString());
        assertTrue(appEnvironment(first).contains("PGDATABASE=shop"), appEnvironment(first).toString());

        query(first, "INSERT INTO customers VALUES (0, 'written by a', 'a@example.invalid', '')");
        assertTrue(runtime.setup(first, spec(), Map.of(), RuntimeListener.SILENT).succeeded(),
                "a setup run again keeps the copy it has");
        assertEquals(Integer.toString(ROWS + 1), query(first, "SELECT count(*) FROM customers"));
        String dbBefore = docker.inspectContainerCmd(DockerRuntime.containerName(first, "db")).exec().getId();
        assertTrue(runtime.patch(first, spec(), Map.of(), "c0ffee", RuntimeListener.SILENT).succeeded());
        assertEquals(dbBefore, docker.inspectContainerCmd(DockerRuntime.containerName(first, "db")).exec().getId(),
                "a patch keeps the database service serving the same copy, not restarted");
        assertEquals(Integer.toString(ROWS + 1), query(first, "SELECT count(*) FROM customers"));

        DeployResult b = runtime.setup(second, spec(), Map.of(), RuntimeListener.SILENT);
        assertTrue(b.succeeded(), b.reason());
        assertEquals(Integer.toString(ROWS), query(second, "SELECT count(*) FROM customers"),
                "another environment's copy does not see what the first wrote");
        String copyOfA = datasets.checkedOut(first, customers).orElseThrow().volume();
        String copyOfB = datasets.checkedOut(second, customers).orElseThrow().volume();
        assertNotEquals(copyOfA, copyOfB);
        assertEquals(0, datasets.status(customers).ready(), "both pooled copies were taken");
        assertEquals(2, datasets.status(customers).checkedOut());

        for (String env : List.of(first, second)) {
            TeardownResult gone = runtime.teardown(env, spec(), List.of(), RuntimeListener.SILENT);
            assertTrue(gone.clean(), gone.leftovers().toString());
            assertTrue(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.ENVIRONMENT, env))
                    .exec().isEmpty());
        }
        Set<String> left = volumesOf(customers.name());
        assertFalse(left.contains(copyOfA), left.toString());
        assertFalse(left.contains(copyOfB), left.toString());
        assertTrue(runtime.environmentsWithResources().stream().noneMatch(e -> e.startsWith("ds-" + RUN + "-")));
    }

    @Test
    void checkoutsAtTheSameTimeNeverShareACopyAndAnEmptyPoolMakesOne() throws Exception {
        DockerDatasets datasets = runtime.datasets();
        datasets.refill(customers);
        int ready = datasets.status(customers).ready();
        List<CompletableFuture<DockerDatasets.Checkout>> checkouts = new ArrayList<>();
        for (int i = 0; i < ready + 2; i++) {
            String env = "ds-" + RUN + "-c" + i;
            checkouts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return datasets.checkout(env, customers);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Set<String> volumes = new TreeSet<>();
        int fromPool = 0;
        for (var checkout : checkouts) {
            DockerDatasets.Checkout copy = checkout.get(5, TimeUnit.MINUTES);
            volumes.add(copy.volume());
            fromPool += copy.fromPool() ? 1 : 0;
        }
        assertEquals(ready + 2, volumes.size(), "every environment has a copy of its own: " + volumes);
        assertEquals(ready, fromPool, "the pool's copies went to " + ready + " of them, the rest got copies made");
        for (int i = 0; i < ready + 2; i++) {
            TeardownResult gone = runtime.teardown("ds-" + RUN + "-c" + i, null, List.of(), RuntimeListener.SILENT);
            assertTrue(gone.clean(), gone.leftovers().toString());
        }
        Set<String> left = volumesOf(customers.name());
        volumes.forEach(v -> assertFalse(left.contains(v), v + " outlived its environment"));
    }

    @Test
    void aNewDumpRetiresTheOldSnapshotAndItsPooledCopiesButNotACheckedOutOne() throws Exception {
        Path dir = Files.createTempDirectory("dataset");
        String name = "retire-" + RUN;
        Dataset before = new Dataset(name, writeDump(dir.resolve("v1.sql"), 10), 2,
                "shop", "app", "app-secret", null);
        DockerDatasets old = new DockerDatasets(docker, List.of(before), ContainerLimits.DEFAULTS);
        try {
            assertEquals(2, old.refill(before));
            String env = "ds-" + RUN + "-retire";
            String kept = old.checkout(env, before).volume();
            Set<String> oldVolumes = volumesOf(name);
            assertEquals(3, oldVolumes.size(), "the snapshot and two copies: " + oldVolumes);

            Dataset after = new Dataset(name, writeDump(dir.resolve("v2.sql"), 20), 2,
                    "shop", "app", "app-secret", null);
            DockerDatasets current = new DockerDatasets(docker, List.of(after), ContainerLimits.DEFAULTS);
            assertEquals(0, current.status(after).ready(), "copies of the old dump are not in the new pool");
            List<String> swept = current.sweep();
            Set<String> left = volumesOf(name);
            assertEquals(Set.of(kept), left, "the old snapshot and pooled copy went, the checked-out copy stayed: "
                    + swept);

            assertEquals(2, current.refill(after));
            assertTrue(current.status(after).snapshot());
            assertEquals(2, current.status(after).ready());
            TeardownResult gone = runtime.teardown(env, null, List.of(), RuntimeListener.SILENT);
            assertTrue(gone.clean(), gone.leftovers().toString());
            assertFalse(volumesOf(name).contains(kept), "teardown destroys the copy of the old dump too");
        } finally {
            removeDataset(docker, name);
        }
    }

    /** A dataset that lists its applications is not checked out for another application's environment. */
    @Test
    void aDatasetForOtherApplicationsIsRefusedAndNoCopyIsMade() {
        Dataset billing = new Dataset("billing-" + RUN, customers.dump(), 0, "shop",
                "app", "app-secret", null, List.of("billing"));
        DockerRuntime guarded = new DockerRuntime(docker, Duration.ofSeconds(60), ContainerLimits.DEFAULTS, v -> v,
                null, List.of(billing));
        String env = "ds-" + RUN + "-denied";
        EnvironmentSpec spec = spec().withDatasets(List.of(new DatasetSpec(billing.name(), "db")));
        try {
            DeployResult denied = guarded.setup(env, spec, Map.of(), RuntimeListener.SILENT);
            assertFalse(denied.succeeded());
            assertEquals("datasets." + billing.name(), denied.failedTask());
            assertTrue(denied.reason().contains("dataset '" + billing.name() + "' is for application(s) billing only"
                    + " (stagecraft.datasets." + billing.name() + ".applications); application 'dataset-test' may not"
                    + " check it out"), denied.reason());
            assertTrue(volumesOf(billing.name()).isEmpty(), "no copy was made: " + volumesOf(billing.name()));
        } finally {
            guarded.teardown(env, spec, List.of(), RuntimeListener.SILENT);
            removeDataset(docker, billing.name());
        }
    }
}
