package dev.stagecraft.runtime.docker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.datasets.Dataset.Engine;

/**
 * How the Docker runtime runs each dataset engine: its base image ({@link BaseImages}), where a copy is mounted in
 * it, what its server is told to serve a copy, and the variables that tell a client where the database is. The pool
 * ({@link DockerDatasets}) is the same for every engine.
 */
final class DatabaseImages {

    private DatabaseImages() {
    }

    /** The engine's base image, which makes snapshots and copies and may serve them. */
    static String image(Engine engine) {
        return switch (engine) {
            case POSTGRESQL -> BaseImages.POSTGRES;
            case MYSQL -> BaseImages.MYSQL;
        };
    }

    /** Builds the engine's base image unless the engine has it. */
    static void ensure(DockerClient docker, Engine engine) {
        switch (engine) {
            case POSTGRESQL -> BaseImages.ensurePostgres(docker);
            case MYSQL -> BaseImages.ensureMysql(docker);
            default -> throw new IllegalArgumentException(engine.toString());
        }
    }

    /** Where a snapshot or copy volume is mounted in a container serving it (the official images' data dirs). */
    static String dataDirectory(Engine engine) {
        return switch (engine) {
            case POSTGRESQL -> BaseImages.POSTGRES_DATA;
            case MYSQL -> BaseImages.MYSQL_DATA;
        };
    }

    /** The command that exits 0 once the server of the engine's base image answers on its port. */
    static List<String> readyCommand(Engine engine) {
        return switch (engine) {
            case POSTGRESQL -> List.of("/bin/stagecraft-postgres", "ready");
            case MYSQL -> List.of("/bin/stagecraft-mysql", "ready");
        };
    }

    /**
     * What a server is told to make (when its data directory is empty) or serve {@code database} owned by
     * {@code user}: the official images' variables, which the base images read too.
     */
    static Map<String, String> servingVariables(Engine engine, String database, String user, String password) {
        Map<String, String> vars = new LinkedHashMap<>();
        switch (engine) {
            case POSTGRESQL -> {
                vars.put("PGDATA", BaseImages.POSTGRES_DATA + "/pgdata");
                vars.put("POSTGRES_USER", user);
                vars.put("POSTGRES_PASSWORD", password);
                vars.put("POSTGRES_DB", database);
            }
            case MYSQL -> {
                for (String prefix : List.of("MYSQL_", "MARIADB_")) {
                    vars.put(prefix + "DATABASE", database);
                    vars.put(prefix + "USER", user);
                    vars.put(prefix + "PASSWORD", password);
                }
            }
            default -> throw new IllegalArgumentException(engine.toString());
        }
        return vars;
    }

    /**
     * How a client reaches {@code database} of {@code dataset} at {@code host:port}: {@code <DATASET>_DATABASE_URL}
     * ({@code postgresql://} or {@code mysql://user:password@host:port/database}, each part percent-encoded where
     * it must be), {@code _HOST}, {@code _PORT},
     * {@code _USER}, {@code _PASSWORD}, {@code _NAME}; when it is the environment's only dataset also
     * {@code DATABASE_URL} and the engine client's own variables (libpq's {@code PG*}; for MySQL {@code MYSQL_HOST},
     * {@code MYSQL_TCP_PORT} and {@code MYSQL_PWD}, which its clients read, and {@code MYSQL_USER},
     * {@code MYSQL_PASSWORD}, {@code MYSQL_DATABASE}).
     */
    static Map<String, String> connectionVariables(String dataset, Engine engine, String host, int port, String user,
            String password, String database, boolean only) {
        Map<String, String> vars = new TreeMap<>();
        String url = engine.scheme() + "://" + userInfo(user) + ":" + userInfo(password) + "@" + host + ":" + port
                + "/" + userInfo(database);
        String prefix = DockerRuntime.envName(dataset) + "_DATABASE";
        vars.put(prefix + "_URL", url);
        vars.put(prefix + "_HOST", host);
        vars.put(prefix + "_PORT", Integer.toString(port));
        vars.put(prefix + "_USER", user);
        vars.put(prefix + "_PASSWORD", password);
        vars.put(prefix + "_NAME", database);
        if (only) {
            vars.put("DATABASE_URL", url);
            switch (engine) {
                case POSTGRESQL -> {
                    vars.put("PGHOST", host);
                    vars.put("PGPORT", Integer.toString(port));
                    vars.put("PGUSER", user);
                    vars.put("PGPASSWORD", password);
                    vars.put("PGDATABASE", database);
                }
                case MYSQL -> {
                    vars.put("MYSQL_HOST", host);
                    vars.put("MYSQL_TCP_PORT", Integer.toString(port));
                    vars.put("MYSQL_PWD", password);
                    vars.put("MYSQL_USER", user);
                    vars.put("MYSQL_PASSWORD", password);
                    vars.put("MYSQL_DATABASE", database);
                }
                default -> throw new IllegalArgumentException(engine.toString());
            }
        }
        return vars;
    }

    /** {@code text} percent-encoded for a URL's user information or path: all but RFC 3986's unreserved. */
    static String userInfo(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
