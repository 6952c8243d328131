package dev.stagecraft.runtime.datasets;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A dataset as the installation configures it ({@code stagecraft.datasets.<name>.*}): a database of {@code engine}
 * made once into a snapshot, either by restoring a dump (PostgreSQL: plain SQL or pg_dump's custom format; MySQL:
 * mysqldump's SQL, gzipped or not) or by running a seed job against a fresh database, into {@code database}, owned by
 * {@code user} with {@code password}; {@code poolSize} ready copies, and optionally SQL run on each copy before it
 * enters the pool. The same dataset is kept by every runtime that has datasets ({@link DatasetPools}).
 */
public record Dataset(String name, Path dump, int poolSize, String database, String user, String password,
        Path obfuscate, List<String> applications, Engine engine, Seed seed) {

    /** The database a dataset holds; MySQL is served by MariaDB, which speaks its protocol and loads its dumps. */
    public enum Engine {
        POSTGRESQL(5432, "postgresql", "/var/lib/postgresql/data"),
        MYSQL(3306, "mysql", "/var/lib/mysql");

        private final int port;
        private final String scheme;
        private final String dataDirectory;

        Engine(int port, String scheme, String dataDirectory) {
            this.port = port;
            this.scheme = scheme;
            this.dataDirectory = dataDirectory;
        }

        /**
         * Where the official images (and Stagecraft's own database images, which follow them) keep their data: a
         * snapshot or a copy is mounted here; PostgreSQL's cluster is in {@code pgdata/} below it.
         */
        public String dataDirectory() {
            return dataDirectory;
        }

        /**
         * What a server of the official image is told to make (when its data directory is empty) or serve
         * {@code database} owned by {@code user}, the password aside ({@link #passwordVariables}): PostgreSQL's
         * {@code PGDATA}, {@code POSTGRES_USER} and {@code POSTGRES_DB}; the {@code MYSQL_*} and {@code MARIADB_*}
         * user and database.
         */
        public Map<String, String> servingVariables(String database, String user) {
            Map<String, String> vars = new java.util.LinkedHashMap<>();
            if (this == MYSQL) {
                for (String prefix : List.of("MYSQL_", "MARIADB_")) {
                    vars.put(prefix + "DATABASE", database);
                    vars.put(prefix + "USER", user);
                }
            } else {
                vars.put("PGDATA", dataDirectory + "/pgdata");
                vars.put("POSTGRES_USER", user);
                vars.put("POSTGRES_DB", database);
            }
            return vars;
        }

        /** The variables the official image reads the owner's password from. */
        public List<String> passwordVariables() {
            return this == MYSQL ? List.of("MYSQL_PASSWORD", "MARIADB_PASSWORD") : List.of("POSTGRES_PASSWORD");
        }

        /** The port its servers listen on unless told otherwise. */
        public int port() {
            return port;
        }

        /** The scheme of its connection URLs ({@code postgresql://}, {@code mysql://}). */
        public String scheme() {
            return scheme;
        }

        /** The name in configuration: {@code postgresql} or {@code mysql}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The engine {@code stagecraft.datasets.<dataset>.engine} names, or an error naming those accepted. */
        public static Engine parse(String dataset, String value) {
            for (Engine engine : values()) {
                if (engine.configName().equals(value == null ? "" : value.trim().toLowerCase(Locale.ROOT))) {
                    return engine;
                }
            }
            throw new IllegalArgumentException("stagecraft.datasets." + dataset + ".engine '" + value
                    + "' is not one of " + Arrays.stream(values()).map(Engine::configName)
                    .collect(Collectors.joining(", ")));
        }
    }

    /**
     * A seed job: {@code image} run once against a fresh database with the connection variables an environment's
     * services get, {@code command} (unset: the image's own) and {@code env}; what it leaves is the snapshot.
     */
    public record Seed(String image, List<String> command, Map<String, String> env) {

        public Seed {
            if (image == null || image.isBlank()) {
                throw new IllegalArgumentException("a seed job needs an image");
            }
            command = command == null ? List.of() : List.copyOf(command);
            env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(env));
        }
    }

    /** A PostgreSQL dataset restored from a dump, any application's environments may check out. */
    public Dataset(String name, Path dump, int poolSize, String database, String user, String password,
            Path obfuscate) {
        this(name, dump, poolSize, database, user, password, obfuscate, List.of());
    }

    /** A PostgreSQL dataset restored from a dump. */
    public Dataset(String name, Path dump, int poolSize, String database, String user, String password,
            Path obfuscate, List<String> applications) {
        this(name, dump, poolSize, database, user, password, obfuscate, applications, Engine.POSTGRESQL, null);
    }

    public Dataset {
        applications = applications == null ? List.of() : List.copyOf(applications);
        engine = engine == null ? Engine.POSTGRESQL : engine;
        if (name == null || !name.matches("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")) {
            throw new IllegalArgumentException("dataset name '" + name + "' must be 1-40 lower-case letters,"
                    + " digits and dashes, not starting or ending with a dash");
        }
        if (poolSize < 0 || poolSize > 50) {
            throw new IllegalArgumentException("dataset '" + name + "': pool-size " + poolSize
                    + " is not between 0 and 50");
        }
        if ((dump == null) == (seed == null)) {
            throw new IllegalArgumentException("dataset '" + name + "': set exactly one of stagecraft.datasets."
                    + name + ".dump (a database dump restored into the snapshot) and stagecraft.datasets." + name
                    + ".seed.image (a seed job run against a fresh database); " + (dump == null ? "neither is set"
                    : "both are set"));
        }
    }

    /** This dataset made by {@code seed} instead of a dump. */
    public Dataset withSeed(Seed seed) {
        return new Dataset(name, null, poolSize, database, user, password, obfuscate, applications, engine, seed);
    }

    /** This dataset of {@code engine}. */
    public Dataset withEngine(Engine engine) {
        return new Dataset(name, dump, poolSize, database, user, password, obfuscate, applications, engine, seed);
    }

    /** Whether environments of {@code application} may check a copy out: it is listed, or none are. */
    public boolean allows(String application) {
        return applications.isEmpty() || applications.contains(application);
    }
}
