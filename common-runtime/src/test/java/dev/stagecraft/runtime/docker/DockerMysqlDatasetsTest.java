package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.Dataset.Engine;
import dev.stagecraft.runtime.datasets.PoolStatus;

/**
 * MySQL datasets on a real Docker engine with a real MariaDB ({@value BaseImages#MYSQL}, built here from the host's
 * binaries): a mysqldump file restored once (plain and gzipped), a pool of obfuscated copies, a database service
 * serving its environment's copy to a MySQL client, and teardown leaving nothing.
 */
class DockerMysqlDatasetsTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final Path CLIENT = Path.of("/usr/bin/mariadb");
    /** The rows of src/test/resources/datasets/shop-mysql.sql, a dump as mysqldump writes it. */
    private static final int ROWS = 40;
    private static DockerClient docker;
    private static Dataset shop;
    private static Dataset gzipped;
    private static DockerRuntime runtime;

    @BeforeAll
    static void engine() throws IOException {
        docker = TestEngine.withBusybox();
        Path dump = Path.of("src/test/resources/datasets/shop-mysql.sql");
        shop = new Dataset("shop-" + RUN, dump, 2, "shop", "app", "app-secret",
                Path.of("src/test/resources/datasets/scrub-mysql.sql"), List.of(), Engine.MYSQL, null);
        Path gz = Files.createTempDirectory("dataset").resolve("shop.sql.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(dump, out);
        }
        gzipped = new Dataset("shop-gz-" + RUN, gz, 0, "store", "shopper", "it's a \"secret\"", null, List.of(),
                Engine.MYSQL, null);
        runtime = new DockerRuntime(docker, Duration.ofSeconds(90), ContainerLimits.DEFAULTS, v -> v, null,
                List.of(shop, gzipped));
    }

    @AfterAll
    static void removeTheDatasets() {
        DockerDatasetsTest.removeDataset(docker, shop.name());
        DockerDatasetsTest.removeDataset(docker, gzipped.name());
    }

    /** The MySQL database service and an application service that only holds its environment. */
    private static EnvironmentSpec spec(Dataset dataset) {
        ServiceSpec db = new ServiceSpec("db", BaseImages.MYSQL, null, 3306, Map.of(), List.of(), List.of(),
                List.of(new PortSpec("container_port", 3306, 3306)), null, null, null, 1, List.of(), List.of());
        ServiceSpec app = new ServiceSpec("app", BaseImages.BUSYBOX, null, 0, Map.of(),
                List.of("sh", "-c", "exec sleep 3600"), List.of(), List.of(), null, null, null, 1, List.of(),
                List.of("db"));
        return new EnvironmentSpec("dataset-test", List.of(db, app), Map.of())
                .withDatasets(List.of(new DatasetSpec(dataset.name(), "db")));
    }

    /** What {@code sql} prints through the MySQL client from this host, as the dataset's user on its database. */
    private static String query(String env, Dataset dataset, String sql) throws Exception {
        String address = docker.inspectContainerCmd(DockerRuntime.containerName(env, "db")).exec().getNetworkSettings()
                .getNetworks().get(DockerRuntime.networkName(env)).getIpAddress();
        ProcessBuilder builder = new ProcessBuilder(CLIENT.toString(), "--no-defaults", "--protocol=tcp",
                "--host=" + address, "--port=3306", "--user=" + dataset.user(), "--database=" + dataset.database(),
                "--batch", "--skip-column-names", "--execute=" + sql).redirectErrorStream(true);
        builder.environment().put("MYSQL_PWD", dataset.password());
        Process client = builder.start();
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(client.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, client.exitValue(), out);
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
    void aSetupServesAnObfuscatedMysqlCopyFromThePoolAndTeardownDestroysIt() throws Exception {
        DockerDatasets datasets = runtime.datasets();
        long began = System.nanoTime();
        assertEquals(2, datasets.refill(shop));
        System.out.printf("mysql dataset: snapshot and 2 copies in %d ms%n", (System.nanoTime() - began) / 1_000_000);
        PoolStatus full = datasets.status(shop);
        assertTrue(full.snapshot());
        assertEquals(2, full.ready());

        String env = "dsm-" + RUN + "-a";
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        DeployResult setup = runtime.setup(env, spec(shop), Map.of(), RuntimeListener.of(t -> { },
                (t, ok, m) -> events.add((ok ? "succeeded " : "failed ") + t + ": " + m), (s, l) -> { }, () -> { }));
        assertTrue(setup.succeeded(), setup.reason());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("succeeded datasets." + shop.name() + ": copy ")
                && e.contains("checked out from the pool")), events.toString());

        assertEquals(ROWS + "\t0", query(env, shop, "SELECT count(*), sum(email NOT LIKE '%@example.invalid')"
                + " FROM customers"), "every row is there, and no real e-mail address");
        assertEquals("Customer 7\tcustomer7@example.invalid", query(env, shop,
                "SELECT name, email FROM customers WHERE id = 7"));
        List<String> vars = appEnvironment(env);
        assertTrue(vars.contains("DATABASE_URL=mysql://app:app-secret@db:3306/shop"), vars.toString());
        String prefix = DockerRuntime.envName(shop.name()) + "_DATABASE";
        assertTrue(vars.contains(prefix + "_URL=mysql://app:app-secret@db:3306/shop"), vars.toString());
        assertTrue(vars.containsAll(List.of("MYSQL_HOST=db", "MYSQL_TCP_PORT=3306", "MYSQL_PWD=app-secret",
                "MYSQL_USER=app", "MYSQL_DATABASE=shop")), vars.toString());
        assertFalse(vars.stream().anyMatch(v -> v.startsWith("PGHOST=")), vars.toString());

        query(env, shop, "INSERT INTO customers VALUES (0, 'written by a', 'a@example.invalid', '')");
        assertTrue(runtime.setup(env, spec(shop), Map.of(), RuntimeListener.SILENT).succeeded(),
                "a setup run again keeps the copy it has");
        assertEquals(Integer.toString(ROWS + 1), query(env, shop, "SELECT count(*) FROM customers"));

        String copy = datasets.checkedOut(env, shop).orElseThrow().volume();
        assertEquals(Engine.MYSQL, datasets.checkedOut(env, shop).orElseThrow().engine());
        TeardownResult gone = runtime.teardown(env, spec(shop), List.of(), RuntimeListener.SILENT);
        assertTrue(gone.clean(), gone.leftovers().toString());
        assertTrue(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.ENVIRONMENT, env))
                .exec().isEmpty());
        assertFalse(volumesOf(shop.name()).contains(copy), volumesOf(shop.name()).toString());
        assertEquals(1, datasets.status(shop).ready(), "the other pooled copy is still there");
    }

    @Test
    void aGzippedDumpIsRestoredAndAnEmptyPoolMakesACopyAtSetup() throws Exception {
        String env = "dsm-" + RUN + "-gz";
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            DeployResult setup = runtime.setup(env, spec(gzipped), Map.of(), RuntimeListener.of(t -> { },
                    (t, ok, m) -> events.add(t + ": " + m), (s, l) -> { }, () -> { }));
            assertTrue(setup.succeeded(), setup.reason());
            assertTrue(events.stream().anyMatch(e -> e.contains("made now: the pool was empty")), events.toString());
            assertEquals(ROWS + "\t" + ROWS, query(env, gzipped, "SELECT count(*),"
                    + " sum(email LIKE '%@real-mail.test') FROM customers"), "not obfuscated: it has no SQL for that");
            assertTrue(appEnvironment(env).containsAll(List.of(
                    "DATABASE_URL=mysql://shopper:it%27s%20a%20%22secret%22@db:3306/store",
                    "MYSQL_PWD=it's a \"secret\"")), appEnvironment(env).toString());
        } finally {
            TeardownResult gone = runtime.teardown(env, spec(gzipped), List.of(), RuntimeListener.SILENT);
            assertTrue(gone.clean(), gone.leftovers().toString());
        }
        Set<String> left = volumesOf(gzipped.name());
        assertEquals(1, left.size(), "only the snapshot stays: " + left);
    }
}
