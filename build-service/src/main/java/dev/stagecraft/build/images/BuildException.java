package dev.stagecraft.build.images;

import java.util.List;

/** An image build or push failed; {@code logTail} holds its last lines of output. */
public class BuildException extends RuntimeException {

    private final List<String> logTail;

    public BuildException(String message, List<String> logTail) {
        super(message);
        this.logTail = logTail;
    }

    public List<String> logTail() {
        return logTail;
    }
}
