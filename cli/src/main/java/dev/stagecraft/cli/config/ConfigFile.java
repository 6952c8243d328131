package dev.stagecraft.cli.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.Shell;
import dev.stagecraft.cli.UsageException;

/**
 * The file {@code stagecraft login} writes, {@code $XDG_CONFIG_HOME/stagecraft/cli.json} (default
 * {@code ~/.config/stagecraft/cli.json}): the gateway's URL and the token, readable and writable by its owner only.
 */
public final class ConfigFile {

    /** What the file holds. */
    public record Stored(String url, String token) {
    }

    private final Path path;

    ConfigFile(Path path) {
        this.path = path;
    }

    /** The config file of the user {@code shell} runs as. */
    public static ConfigFile of(Shell shell) {
        String xdg = shell.variable("XDG_CONFIG_HOME");
        // the XDG base directory spec: a relative value is invalid and must be ignored
        Path base = xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg) : shell.home().resolve(".config");
        return new ConfigFile(base.resolve("stagecraft").resolve("cli.json"));
    }

    public Path path() {
        return path;
    }

    /** The stored settings, or empty when nobody logged in yet. */
    public Optional<Stored> read() {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UsageException("cannot read the config file " + path + ": " + e.getMessage());
        }
        try {
            JsonNode json = Json.parse(text);
            return Optional.of(new Stored(json.path("url").asText(null), json.path("token").asText(null)));
        } catch (JsonProcessingException e) {
            throw new UsageException("the config file " + path + " is not the JSON stagecraft login writes ({\"url\","
                    + " \"token\"}): " + e.getOriginalMessage() + "; run stagecraft login again");
        }
    }

    /**
     * Replaces the file with {@code stored}. The new file is created with mode 600 in its folder (mode 700 when
     * made here) and moved over the old one, so the token is never readable by others, not even for a moment.
     */
    public void write(Stored stored) throws IOException {
        ObjectNode json = Json.object().put("url", stored.url()).put("token", stored.token());
        Path folder = path.getParent();
        boolean posix = folder.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(folder)) {
            try {
                Files.createDirectories(folder, posix ? new FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                    : new FileAttribute<?>[0]);
            } catch (FileAlreadyExistsException e) {
                throw new IOException(folder + " exists and is not a folder", e);
            }
        }
        Path written = posix ? Files.createTempFile(folder, "cli", ".json",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(folder, "cli", ".json");
        try {
            Files.writeString(written, Json.pretty(json) + "\n", StandardCharsets.UTF_8);
            Files.move(written, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(written);
        }
    }
}
