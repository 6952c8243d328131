package dev.stagecraft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Files a command sends to the API (templates), read whole as UTF-8 text. */
public final class InputFiles {

    private InputFiles() {
    }

    /** The text of {@code file}, given with {@code option}; a usage error naming both when it cannot be read. */
    public static String read(Path file, String option) {
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException(option + " " + file + ": no such file");
        } catch (MalformedInputException e) {
            throw new UsageException(option + " " + file + ": not UTF-8 text (a template is YAML)");
        } catch (IOException e) {
            throw new UsageException(option + " " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
