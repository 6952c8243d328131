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
     */
    public static String hash(Dataset dataset) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            digest(sha, dataset.dump());
            if (dataset.obfuscate() != null) {
                digest(sha, dataset.obfuscate());
            }
            sha.update((dataset.database() + "\n" + dataset.user() + "\n" + dataset.password())
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
