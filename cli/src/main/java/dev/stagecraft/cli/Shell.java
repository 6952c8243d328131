package dev.stagecraft.cli;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the command reads from where it runs: the environment variables, the home folder and standard input. Tests
 * give their own, so a command runs in the test's JVM as it would in a terminal.
 */
public record Shell(Map<String, String> variables, Path home, InputStream stdin) {

    public Shell {
        variables = Map.copyOf(variables);
    }

    /** The shell this process runs in. */
    public static Shell current() {
        return new Shell(System.getenv(), Path.of(System.getProperty("user.home")), System.in);
    }

    /** The variable's value, or null when it is unset or blank. */
    public String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
