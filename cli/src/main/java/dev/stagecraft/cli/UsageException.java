package dev.stagecraft.cli;

/** A mistake in how the command was called that picocli's parser cannot see: a file, a value, a missing setting. */
public class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
