package dev.stagecraft.runtime.docker;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.datasets.Dataset.Engine;

/**
 * How the Docker runtime runs each dataset engine: its base image ({@link BaseImages}), where a copy is mounted in
 * it, and what its server is told to serve a copy. The pool
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
        Map<String, String> vars = new LinkedHashMap<>(engine.servingVariables(database, user));
        engine.passwordVariables().forEach(variable -> vars.put(variable, password));
        return vars;
    }
}
