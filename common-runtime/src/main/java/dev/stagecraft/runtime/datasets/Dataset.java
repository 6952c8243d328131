package dev.stagecraft.runtime.datasets;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset as the installation configures it ({@code stagecraft.datasets.<name>.*}): a PostgreSQL dump (plain SQL or
 * pg_dump's custom format) restored into {@code database}, owned by {@code user} with {@code password},
 * {@code poolSize} ready copies, and optionally SQL run on each copy before it enters the pool. The same dataset is
 * kept by every runtime that has datasets ({@link DatasetPools}).
 */
public record Dataset(String name, Path dump, int poolSize, String database, String user, String password,
        Path obfuscate, List<String> applications) {

    /** A dataset any application's environments may check out. */
    public Dataset(String name, Path dump, int poolSize, String database, String user, String password,
            Path obfuscate) {
        this(name, dump, poolSize, database, user, password, obfuscate, List.of());
    }

    public Dataset {
        applications = applications == null ? List.of() : List.copyOf(applications);
        if (name == null || !name.matches("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")) {
            throw new IllegalArgumentException("dataset name '" + name + "' must be 1-40 lower-case letters,"
                    + " digits and dashes, not starting or ending with a dash");
        }
        if (poolSize < 0 || poolSize > 50) {
            throw new IllegalArgumentException("dataset '" + name + "': pool-size " + poolSize
                    + " is not between 0 and 50");
        }
    }

    /** Whether environments of {@code application} may check a copy out: it is listed, or none are. */
    public boolean allows(String application) {
        return applications.isEmpty() || applications.contains(application);
    }
}
