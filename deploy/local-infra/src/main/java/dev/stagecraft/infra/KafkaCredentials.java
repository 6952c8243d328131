package dev.stagecraft.infra;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The passwords of the local broker's principals: {@code admin} (the broker itself and whoever administers it, a
 * super user) and one per Stagecraft service. Made once, random, and kept beside the broker's data in
 * {@code kafka-credentials.properties} (mode 600), so a durable broker keeps them across restarts.
 */
public final class KafkaCredentials {

    public static final String ADMIN = "admin";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Map<String, String> passwords = new TreeMap<>();

    private KafkaCredentials(Path file) {
        this.file = file;
    }

    /** The credentials kept in {@code file}, with a new password for each of {@code users} that has none. */
    static KafkaCredentials load(Path file, Iterable<String> users) {
        KafkaCredentials credentials = new KafkaCredentials(file);
        try {
            if (Files.exists(file)) {
                Properties props = new Properties();
                try (Reader in = Files.newBufferedReader(file)) {
                    props.load(in);
                }
                props.forEach((k, v) -> credentials.passwords.put((String) k, (String) v));
            }
            boolean added = credentials.passwords.putIfAbsent(ADMIN, newPassword()) == null;
            for (String user : users) {
                added |= credentials.passwords.putIfAbsent(user, newPassword()) == null;
            }
            if (added) {
                credentials.save();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka credentials in " + file + ": " + e.getMessage(), e);
        }
        return credentials;
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private void save() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Properties props = new Properties();
        props.putAll(passwords);
        try (Writer out = Files.newBufferedWriter(tmp)) {
            props.store(out, "Kafka principals of the local broker (SASL/SCRAM-SHA-512; admin: SASL/PLAIN)");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public String password(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka principal '" + user + "'; known: " + passwords.keySet());
        }
        return password;
    }

    public Path file() {
        return file;
    }
}
