package dev.stagecraft.build.git;

/**
 * The repository holds something Stagecraft will not build from: a symlink leaving its build context (absolute,
 * climbing above it, or pointing at nothing), a template file that is a symlink, or one that is too large. The
 * message names the path and what is accepted.
 */
public class UnsafeSourceException extends Exception {

    public UnsafeSourceException(String message) {
        super(message);
    }
}
