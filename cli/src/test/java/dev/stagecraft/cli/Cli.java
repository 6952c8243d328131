package dev.stagecraft.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import picocli.CommandLine;

/** Runs the stagecraft command in this JVM as a terminal would, with the variables, home and input a test gives. */
final class Cli {

    /** What a run left: its exit code and what it printed. */
    record Result(int exitCode, String out, String err) {

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private final Path home;
    private final Map<String, String> variables = new HashMap<>();
    private String stdin = "";

    Cli(Path home) {
        this.home = home;
    }

    Cli variable(String name, String value) {
        variables.put(name, value);
        return this;
    }

    Cli stdin(String text) {
        stdin = text;
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Stagecraft.commandLine(new Shell(variables, home,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
