package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.Dataset.Engine;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.DatasetSpec;
import dev.stagecraft.events.EnvironmentSpec.PortSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.ContainerLimits;
import dev.stagecraft.runtime.docker.DockerClients;
import dev.stagecraft.runtime.docker.DockerDatasets;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * What a dataset saves: an environment's database from a copy checked out of the pool, against restoring the dump
 * for it. Writes a plain SQL dump of {@code rows} customers (as pg_dump or mysqldump writes it), then times, on the
 * Docker engine {@code DOCKER_HOST} names (deploy/bench/datasets.sh starts one): restoring it into a fresh volume
 * (what an environment without datasets waits for), making one pool copy (background work), checking a copy out, and
 * a setup of an environment whose database service serves the copy, until the database answers. Prints medians and
 * maxima in milliseconds. Usage: {@code DatasetBenchmarkMain [rows] [rounds] [postgresql|mysql]}.
 */
public final class DatasetBenchmarkMain {

    /** The checkout's own time, as the setup's task {@code datasets.<name>} reports it. */
    private static final java.util.regex.Pattern CHECKOUT = java.util.regex.Pattern.compile(
            "checked out from the pool in (\\d+) ms");

    private DatasetBenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Engine engine = Engine.parse("bench", args.length > 2 ? args[2] : "postgresql");
        String image = engine == Engine.MYSQL ? BaseImages.MYSQL : BaseImages.POSTGRES;
        DockerClient docker = DockerClients.fromEnvironment();
        long built = System.nanoTime();
        if (engine == Engine.MYSQL) {
            BaseImages.ensureMysql(docker);
        } else {
            BaseImages.ensurePostgres(docker);
        }
        System.out.printf("%s ready in %.0f ms%n", image, millis(built));
        Path dir = Files.createTempDirectory("dataset-bench");
        Path dump = engine == Engine.MYSQL ? writeMysqlDump(dir.resolve("customers.sql"), rows)
                : writeDump(dir.resolve("customers.sql"), rows);
        System.out.printf("dump: %d rows, %.1f MiB of SQL%n", rows, Files.size(dump) / 1048576.0);
        String run = UUID.randomUUID().toString().substring(0, 6);
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        List<String> datasetNames = new ArrayList<>();
        try {
            // the baseline: a restore of the dump into a fresh database, as often as it is affordable
            for (int round = 0; round < Math.min(rounds, 3); round++) {
                Dataset restore = dataset("restore-" + run + "-" + round, dump, 0, engine);
                datasetNames.add(restore.name());
                DockerDatasets once = new DockerDatasets(docker, List.of(restore), ContainerLimits.DEFAULTS);
                figures.computeIfAbsent("restore the dump (no dataset)", k -> new ArrayList<>())
                        .add((double) once.ensureSnapshot(restore).toMillis());
            }
            Dataset customers = dataset("bench-" + run, dump, rounds, engine);
            datasetNames.add(customers.name());
            DockerRuntime runtime = new DockerRuntime(docker, Duration.ofMinutes(2), ContainerLimits.DEFAULTS, v -> v,
                    null, List.of(customers));
            DockerDatasets datasets = runtime.datasets();
            datasets.ensureSnapshot(customers);
            long filled = System.nanoTime();
            int made = datasets.refill(customers);
            figures.computeIfAbsent("make one pool copy (background; mean)", k -> new ArrayList<>())
                    .add(millis(filled) / made);
            int port = engine.port();
            EnvironmentSpec spec = new EnvironmentSpec("dataset-bench", List.of(new ServiceSpec("db",
                    image, null, port, Map.of(), List.of(), List.of(),
                    List.of(new PortSpec("container_port", port, port)), null, null, null, 1, List.of(), List.of())),
                    Map.of()).withDatasets(List.of(new DatasetSpec(customers.name(), "db")));
            for (int round = 0; round < rounds; round++) {
                String env = "db-" + run + "-" + round;
                long t0 = System.nanoTime();
                DeployResult setup = runtime.setup(env, spec, Map.of(), RuntimeListener.of(t -> { },
                        (task, ok, message) -> {
                            var took = CHECKOUT.matcher(message == null ? "" : message);
                            if (task.startsWith("datasets.") && took.find()) {
                                figures.computeIfAbsent("check a copy out of the pool", k -> new ArrayList<>())
                                        .add(Double.parseDouble(took.group(1)));
                            }
                        }, (s, l) -> { }, () -> { }));
                double setupMs = millis(t0);
                if (!setup.succeeded()) {
                    throw new IllegalStateException("setup failed: " + setup.reason());
                }
                figures.computeIfAbsent("setup until the copy's database answers", k -> new ArrayList<>())
                        .add(setupMs);
                long t1 = System.nanoTime();
                TeardownResult teardown = runtime.teardown(env, spec, List.of(), RuntimeListener.SILENT);
                if (!teardown.clean()) {
                    throw new IllegalStateException("teardown left " + teardown.leftovers());
                }
                figures.computeIfAbsent("teardown, copy destroyed", k -> new ArrayList<>()).add(millis(t1));
            }
        } finally {
            datasetNames.forEach(name -> remove(docker, name));
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dir);
        }
        System.out.printf("%n%-42s %8s %8s %8s%n", "figure (ms; " + rows + " rows, " + engine.configName() + ")",
                "median", "max", "n");
        figures.forEach((name, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            System.out.printf("%-42s %8.0f %8.0f %8d%n", name, sorted.get(sorted.size() / 2),
                    sorted.get(sorted.size() - 1), sorted.size());
        });
        System.exit(0);
    }

    private static Dataset dataset(String name, Path dump, int poolSize, Engine engine) {
        return new Dataset(name, dump, poolSize, "shop", "app", "bench", null, List.of(), engine, null);
    }

    /** The same customers as mysqldump writes them: a table, then INSERTs of up to 1,000 rows each. */
    private static Path writeMysqlDump(Path file, int rows) throws IOException {
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("/*!40101 SET NAMES utf8mb4 */;\n"
                    + "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
                    + "DROP TABLE IF EXISTS `customers`;\nCREATE TABLE `customers` (`id` int(11) NOT NULL,"
                    + " `name` varchar(100) NOT NULL, `email` varchar(200) NOT NULL, `notes` text DEFAULT NULL,"
                    + " PRIMARY KEY (`id`), KEY `customers_email` (`email`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
                    + "LOCK TABLES `customers` WRITE;\n/*!40000 ALTER TABLE `customers` DISABLE KEYS */;\n");
            for (int i = 1; i <= rows; i++) {
                out.write(i % 1000 == 1 ? "INSERT INTO `customers` VALUES " : ",");
                out.write("(" + i + ",'Customer " + i + "','person" + i + "@real-mail.test','likes order "
                        + (i * 7 % 1000) + " and pays on time')");
                if (i % 1000 == 0 || i == rows) {
                    out.write(";\n");
                }
            }
            out.write("/*!40000 ALTER TABLE `customers` ENABLE KEYS */;\nUNLOCK TABLES;\n");
        }
        return file;
    }

    /** A plain SQL dump (as pg_dump writes it) of {@code rows} customers, with a primary key and an index. */
    private static Path writeDump(Path file, int rows) throws IOException {
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

    /** Every holder container of dataset {@code name}, then its volumes. */
    private static void remove(DockerClient docker, String name) {
        for (Container c : docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerDatasets.DATASET, name)).exec()) {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
        }
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(DockerDatasets.DATASET + "=" + name)).exec()
                .getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> docker.removeVolumeCmd(v.getName()).exec());
        }
    }

    private static double millis(long since) {
        return (System.nanoTime() - since) / 1e6;
    }
}
