package dev.stagecraft.runtime.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What every runtime labels a dataset's objects with, and the hash of a dataset's source (the dump, the obfuscation
 * SQL, the database, user and password) that says which snapshot and copies are current: a changed dump makes a new
 * snapshot, and copies of an older one are never checked out.
 */
public final class DatasetSource {

    public static final String DATASET = "stagecraft.dev/dataset";
    /** What the object is to the dataset: snapshot, copy, ready, claim, restore, ... (per runtime). */
    public static final String ROLE = "stagecraft.dev/dataset-role";
    /** The hash of the source the object was made from. */
    public static final String SOURCE = "stagecraft.dev/dataset-source";

    private DatasetSource() {
    }

    /**
     * Twelve hex digits of a SHA-256 over the dump's and the obfuscation's content, the database, the user and the
     * password: for a PostgreSQL dataset restored from a dump, the hash {@code DockerDatasets.source} makes too.
     * A dataset made by a seed job needs {@link #hash(Dataset, String)}.
     */
    public static String hash(Dataset dataset) {
        return hash(dataset, null);
    }

    /**
     * The hash of {@link #hash(Dataset)}, with {@code seedImage} (what identifies the seed job's image: an id where
     * the runtime has one, its reference otherwise), the seed's command and variables instead of a dump's content,
     * and the engine's name unless it is PostgreSQL (whose hash stays what it was before there were engines).
     */
    public static String hash(Dataset dataset, String seedImage) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            if (dataset.seed() == null) {
                digest(sha, dataset.dump());
            } else {
                sha.update(("seed\n" + (seedImage == null ? dataset.seed().image() : seedImage) + "\n"
                        + String.join("\u0000", dataset.seed().command()) + "\n" + dataset.seed().env())
                        .getBytes(StandardCharsets.UTF_8));
            }
            if (dataset.obfuscate() != null) {
                digest(sha, dataset.obfuscate());
            }
            String engine = dataset.engine() == Dataset.Engine.POSTGRESQL ? "" : "\n" + dataset.engine().configName();
            sha.update((dataset.database() + "\n" + dataset.user() + "\n" + dataset.password() + engine)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void digest(MessageDigest sha, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("dataset file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
