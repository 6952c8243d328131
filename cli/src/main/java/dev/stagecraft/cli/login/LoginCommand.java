package dev.stagecraft.cli.login;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.UsageException;
import dev.stagecraft.cli.config.ConfigFile;
import dev.stagecraft.cli.config.Connection;
import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.gateway.Query;

/**
 * {@code stagecraft login}: checks a token against the gateway with a call every role may make (the first
 * application of the list) and, when the gateway takes it, stores the URL and the token in the config file.
 */
@Command(name = "login", description = {"Checks a token against the gateway and stores the URL and the token in the"
        + " config file ($XDG_CONFIG_HOME/stagecraft/cli.json, mode 600).",
    "The token comes from --token, --token-stdin or $" + Connection.TOKEN_VARIABLE + "; the URL from --url, $"
        + Connection.URL_VARIABLE + " or the stored one."})
public final class LoginCommand implements Callable<Integer> {

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Option(names = "--token-stdin", description = "Read the token from the first line of standard input (keeps it"
            + " out of the shell's history and the process list).")
    boolean tokenStdin;

    @Override
    public Integer call() throws IOException {
        ConfigFile file = root.configFile();
        // the stored URL is read only when none is given: a login also mends a config file that went bad
        URI url = Connection.givenUrl(root.urlOption(), root.shell())
                .or(() -> Connection.storedUrl(file.read(), file))
                .orElseThrow(() -> new UsageException("login needs the gateway's URL: --url <url> (e.g."
                        + " http://127.0.0.1:8080) or $" + Connection.URL_VARIABLE));
        String token = token();
        if ("http".equals(url.getScheme()) && !loopback(url.getHost())) {
            root.err(spec).println("warning: " + url + " is plain HTTP to another machine: the token travels"
                    + " unencrypted; use https");
        }
        // every role may list applications: a cheap call that proves the token whatever it may do
        new GatewayApi(new Connection(url, token), Stagecraft.version()).get("/api/applications",
                Query.of().and("limit", 1));
        try {
            file.write(new ConfigFile.Stored(url.toString(), token));
        } catch (IOException e) {
            throw new UncheckedIOException("the token is good but the config file " + file.path()
                    + " cannot be written: " + e.getMessage(), e);
        }
        root.printer(spec).line("logged in to " + url + "; URL and token stored in " + file.path());
        return ExitCode.OK.code();
    }

    private static boolean loopback(String host) {
        return "localhost".equalsIgnoreCase(host) || "::1".equals(host) || "[::1]".equals(host)
                || host != null && host.startsWith("127.");
    }

    private String token() throws IOException {
        if (tokenStdin) {
            if (root.tokenOption() != null) {
                throw new UsageException("give the token with --token or with --token-stdin, not both");
            }
            String line = new BufferedReader(new InputStreamReader(root.shell().stdin(), StandardCharsets.UTF_8))
                    .readLine();
            if (line == null || line.isBlank()) {
                throw new UsageException("--token-stdin: standard input has no token on its first line");
            }
            return line.strip();
        }
        if (root.tokenOption() != null && !root.tokenOption().isBlank()) {
            return root.tokenOption().strip();
        }
        String variable = root.shell().variable(Connection.TOKEN_VARIABLE);
        if (variable == null) {
            throw new UsageException("login needs a token: --token-stdin (reads it from standard input), --token"
                    + " <token> or $" + Connection.TOKEN_VARIABLE);
        }
        return variable;
    }
}
