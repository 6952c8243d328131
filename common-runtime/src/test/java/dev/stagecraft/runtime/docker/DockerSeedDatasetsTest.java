package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
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
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.Dataset.Engine;
import dev.stagecraft.runtime.datasets.Dataset.Seed;

/**
 * Datasets whose snapshot a seed job makes, on a real Docker engine: seed images built here from
 * {@value BaseImages#POSTGRES} and {@value BaseImages#MYSQL}, run against a fresh database on a network of their own,
 * fenced as jobs; what they write is what environments get, and a new seed image makes a new snapshot.
 */
class DockerSeedDatasetsTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final Path PSQL = Path.of("/usr/lib/postgresql/15/bin/psql");
    private static final String IMAGE = "stagecraft-test/seed-" + RUN;
    /**
     * Writes products of the edition baked into the image, and what the job saw: its network interfaces (loopback and
     * the seed's network, no other), NoNewPrivs, and the URL it was given.
     */
    private static final String PG_SEED = """
            #!/bin/sh
            set -eu
            interfaces=$(grep -c : /proc/net/dev)
            no_new_privs=$(grep NoNewPrivs /proc/self/status | tr -dc 0-9)
            psql -v ON_ERROR_STOP=1 -q <<SQL
            CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, edition text NOT NULL);
            INSERT INTO products SELECT i, 'Product ' || i, '$(cat /edition)' FROM generate_series(1, $ROWS) i;
            CREATE TABLE seed_job (interfaces integer, no_new_privs integer, url text);
            INSERT INTO seed_job VALUES ($interfaces, $no_new_privs, '$DATABASE_URL');
            SQL
            """;
    private static final String MYSQL_SEED = """
            #!/bin/sh
            set -eu
            mariadb --no-defaults --user="$MYSQL_USER" --database="$MYSQL_DATABASE" --execute="
              CREATE TABLE products (id int PRIMARY KEY, name varchar(50) NOT NULL);
              INSERT INTO products VALUES (1, 'Lamp'), (2, 'Desk'), (3, 'Chair');"
            """;
    private static DockerClient docker;
    private static final List<String> DATASETS = new ArrayList<>();

    @BeforeAll
    static void engine() {
        docker = TestEngine.withBusybox();
        BaseImages.ensurePostgres(docker);
        BaseImages.ensureMysql(docker);
    }

    @AfterAll
    static void removeTheDatasetsAndImages() {
        DATASETS.forEach(name -> DockerDatasetsTest.removeDataset(docker, name));
        TestEngine.removeImages(docker, List.of(IMAGE + ":pg", IMAGE + ":mysql"));
    }

    /** Builds {@code tag} from {@code base} with {@code /seed.sh} and {@code /edition}; returns its id. */
    private static String buildSeed(String tag, String base, String script, String edition) throws IOException {
        ByteArrayOutputStream context = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(context)) {
            add(tar, "Dockerfile", "FROM " + base + "\nCOPY seed.sh edition /\n");
            add(tar, "seed.sh", script);
            add(tar, "edition", edition);
        }
        List<String> output = new ArrayList<>();
        return ImageBuilds.start(docker.buildImageCmd(new ByteArrayInputStream(context.toByteArray()))
                .withTags(Set.of(tag)).withNetworkMode("none"), output::add).awaitImageId(5, TimeUnit.MINUTES);
    }

    private static void add(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        entry.setMode(0100644);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static EnvironmentSpec spec(Dataset dataset, String image, int port) {
        ServiceSpec db = new ServiceSpec("db", image, null, port, Map.of(), List.of(), List.of(),
                List.of(new PortSpec("container_port", port, port)), null, null, null, 1, List.of(), List.of());
        return new EnvironmentSpec("dataset-test", List.of(db), Map.of())
                .withDatasets(List.of(new DatasetSpec(dataset.name(), "db")));
    }

    private static String address(String env) {
        return docker.inspectContainerCmd(DockerRuntime.containerName(env, "db")).exec().getNetworkSettings()
                .getNetworks().get(DockerRuntime.networkName(env)).getIpAddress();
    }

    private static String run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    private static String psql(String env, String sql) throws Exception {
        return run(List.of(PSQL.toString(), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
                "postgresql://app:app-secret@" + address(env) + ":5432/catalog"), Map.of());
    }

    /** What the engine still has of dataset {@code name}'s seed: its networks and its job or database containers. */
    private static Set<String> seedLeftovers(String name) {
        Set<String> left = new TreeSet<>();
        docker.listNetworksCmd().withFilter("label", List.of(DockerDatasets.DATASET + "=" + name)).exec()
                .forEach(n -> left.add("network " + n.getName()));
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerDatasets.DATASET, name)).exec()
                .stream().filter(c -> Set.of("seed", "restore").contains(c.getLabels().get(DockerDatasets.ROLE)))
                .forEach(c -> left.add("container " + c.getNames()[0]));
        return left;
    }

    @Test
    void aSeedJobFillsTheSnapshotFencedOnItsOwnNetworkAndANewSeedImageMakesANewOne() throws Exception {
        buildSeed(IMAGE + ":pg", BaseImages.POSTGRES, PG_SEED, "first");
        Dataset catalog = new Dataset("catalog-" + RUN, null, 1, "catalog", "app", "app-secret", null, List.of(),
                Engine.POSTGRESQL, new Seed(IMAGE + ":pg", List.of("sh", "/seed.sh"), Map.of("ROWS", "25")));
        DATASETS.add(catalog.name());
        DockerRuntime runtime = new DockerRuntime(docker, Duration.ofSeconds(60), ContainerLimits.DEFAULTS, v -> v,
                null, List.of(catalog));
        DockerDatasets datasets = runtime.datasets();
        long began = System.nanoTime();
        assertEquals(1, datasets.refill(catalog));
        System.out.printf("seeded postgresql dataset: snapshot and 1 copy in %d ms%n",
                (System.nanoTime() - began) / 1_000_000);
        assertTrue(datasets.status(catalog).snapshot());
        assertEquals(Set.of(), seedLeftovers(catalog.name()), "the seed's network, job and database are gone");

        String env = "dss-" + RUN + "-a";
        String second = "dss-" + RUN + "-b";
        try {
            seededTwice(runtime, datasets, catalog, env, second);
        } finally {
            for (String e : List.of(env, second)) {
                TeardownResult gone = runtime.teardown(e, null, List.of(), RuntimeListener.SILENT);
                assertTrue(gone.clean(), gone.leftovers().toString());
            }
        }
        assertEquals(Set.of(), seedLeftovers(catalog.name()));
    }

    /** The first seed image's data in {@code env}, a new image's in {@code second}. */
    private static void seededTwice(DockerRuntime runtime, DockerDatasets datasets, Dataset catalog, String env,
            String second) throws Exception {
        DeployResult setup = runtime.setup(env, spec(catalog, BaseImages.POSTGRES, 5432), Map.of(),
                RuntimeListener.SILENT);
        assertTrue(setup.succeeded(), setup.reason());
        assertEquals("25|first", psql(env, "SELECT count(*), min(edition) FROM products"));
        assertEquals("2|1|postgresql://app:app-secret@db:5432/catalog",
                psql(env, "SELECT interfaces, no_new_privs, url FROM seed_job"),
                "the job was on one network only, could gain no privileges, and had the environment's variables");
        String firstSnapshot = datasets.snapshotVolume(catalog);

        String newImage = buildSeed(IMAGE + ":pg", BaseImages.POSTGRES, PG_SEED, "second");
        assertNotEquals(firstSnapshot, datasets.snapshotVolume(catalog), "a new seed image is a new source");
        assertFalse(datasets.status(catalog).snapshot());
        datasets.sweep();
        assertEquals(1, datasets.refill(catalog));
        assertTrue(datasets.status(catalog).snapshot());
        assertTrue(runtime.setup(second, spec(catalog, BaseImages.POSTGRES, 5432), Map.of(), RuntimeListener.SILENT)
                .succeeded());
        assertEquals("25|second", psql(second, "SELECT count(*), min(edition) FROM products"));
        assertEquals("25|first", psql(env, "SELECT count(*), min(edition) FROM products"),
                "the environment set up before keeps its copy of the first snapshot");
        assertTrue(newImage.length() > 0);
    }

    @Test
    void aSeedJobFillsAMysqlDatasetThroughTheClientsOwnVariables() throws Exception {
        buildSeed(IMAGE + ":mysql", BaseImages.MYSQL, MYSQL_SEED, "1");
        Dataset furniture = new Dataset("furniture-" + RUN, null, 0, "furniture", "app", "app-secret", null,
                List.of(), Engine.MYSQL, new Seed(IMAGE + ":mysql", List.of("sh", "/seed.sh"), Map.of()));
        DATASETS.add(furniture.name());
        DockerRuntime runtime = new DockerRuntime(docker, Duration.ofSeconds(90), ContainerLimits.DEFAULTS, v -> v,
                null, List.of(furniture));
        String env = "dss-" + RUN + "-m";
        try {
            DeployResult setup = runtime.setup(env, spec(furniture, BaseImages.MYSQL, 3306), Map.of(),
                    RuntimeListener.SILENT);
            assertTrue(setup.succeeded(), setup.reason());
            assertEquals("3\tLamp,Desk,Chair", run(List.of("/usr/bin/mariadb", "--no-defaults", "--protocol=tcp",
                    "--host=" + address(env), "--user=app", "--database=furniture", "--batch", "--skip-column-names",
                    "--execute=SELECT count(*), group_concat(name ORDER BY id) FROM products"),
                    Map.of("MYSQL_PWD", "app-secret")));
            assertEquals(Set.of(), seedLeftovers(furniture.name()));
        } finally {
            TeardownResult gone = runtime.teardown(env, null, List.of(), RuntimeListener.SILENT);
            assertTrue(gone.clean(), gone.leftovers().toString());
        }
    }

    @Test
    void aFailingSeedJobMakesNoSnapshotAndSaysWhy() throws Exception {
        Dataset broken = new Dataset("broken-" + RUN, null, 1, "catalog", "app", "app-secret", null, List.of(),
                Engine.POSTGRESQL, new Seed(BaseImages.POSTGRES, List.of("sh", "-c",
                        "echo 'no products today' >&2; exit 3"), Map.of()));
        DATASETS.add(broken.name());
        DockerDatasets datasets = new DockerDatasets(docker, List.of(broken), ContainerLimits.DEFAULTS);
        IllegalStateException failed = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> datasets.refill(broken));
        assertTrue(failed.getMessage().contains("exited with code 3") && failed.getMessage()
                .contains("no products today"), failed.getMessage());
        assertFalse(datasets.status(broken).snapshot());
        assertEquals(Set.of(), seedLeftovers(broken.name()));
    }
}
