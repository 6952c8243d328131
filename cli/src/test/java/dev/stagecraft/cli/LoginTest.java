package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code stagecraft login}, the config file it writes, and which URL and token later commands use. */
class LoginTest {

    private static final String EMPTY_LIST = "[]";

    @TempDir
    Path home;

    private FakeGateway gateway;

    @BeforeEach
    void startGateway() throws Exception {
        gateway = new FakeGateway("sc_good").on("GET", "/api/applications?limit=1", FakeGateway.Reply.ok(EMPTY_LIST))
                .on("GET", "/api/environments", FakeGateway.Reply.ok(EMPTY_LIST));
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }

    @Test
    void loginStoresUrlAndTokenReadableByTheOwnerOnlyAndLaterCommandsUseThem() throws Exception {
        Path config = home.resolve("config");
        Cli cli = new Cli(home).variable("XDG_CONFIG_HOME", config.toString());

        Cli.Result login = cli.run("login", "--url", gateway.url() + "/", "--token", "sc_good");

        assertEquals(0, login.exitCode(), login.toString());
        Path file = config.resolve("stagecraft/cli.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        JsonNode stored = Json.parse(Files.readString(file));
        assertEquals(gateway.url(), stored.get("url").asText(), "stored without the trailing slash");
        assertEquals("sc_good", stored.get("token").asText());
        assertEquals("Bearer sc_good", gateway.only("GET", "/api/applications?limit=1").authorization());

        Cli.Result list = cli.run("envs", "list");
        assertEquals(0, list.exitCode(), list.toString());
        assertEquals("Bearer sc_good", gateway.only("GET", "/api/environments").authorization());
    }

    @Test
    void aSecondLoginReplacesTheFileAndKeepsItPrivate() throws Exception {
        Cli cli = new Cli(home);
        Path file = home.resolve(".config/stagecraft/cli.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"url\": \"http://old:8080\", \"token\": \"sc_old\"}");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        Cli.Result login = cli.stdin("sc_good\n").run("login", "--url", gateway.url(), "--token-stdin");

        assertEquals(0, login.exitCode(), login.toString());
        assertTrue(login.out().contains("logged in to " + gateway.url()), login.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("sc_good", Json.parse(Files.readString(file)).get("token").asText());
    }

    @Test
    void aTokenTheGatewayRefusesIsNotStored() {
        Cli.Result login = new Cli(home).run("login", "--url", gateway.url(), "--token", "sc_revoked");

        assertEquals(3, login.exitCode(), login.toString());
        assertEquals("error: unauthenticated: the API token is not valid (unknown or revoked)\n", login.err());
        assertFalse(Files.exists(home.resolve(".config/stagecraft/cli.json")));
    }

    @Test
    void environmentVariablesOverrideTheFileAndOptionsOverrideTheVariables() throws Exception {
        try (FakeGateway other = new FakeGateway("sc_env", "sc_option")
                .on("GET", "/api/environments", FakeGateway.Reply.ok(EMPTY_LIST))) {
            Cli cli = new Cli(home);
            assertEquals(0, cli.run("login", "--url", gateway.url(), "--token", "sc_good").exitCode());

            cli.variable("STAGECRAFT_URL", other.url()).variable("STAGECRAFT_TOKEN", "sc_env");
            assertEquals(0, cli.run("envs", "list").exitCode());
            assertEquals("Bearer sc_env", other.only("GET", "/api/environments").authorization());

            Cli.Result withOption = cli.run("envs", "list", "--token", "sc_option");
            assertEquals(0, withOption.exitCode(), withOption.toString());
            assertEquals("Bearer sc_option", other.requests("GET", "/api/environments").get(1).authorization());

            assertEquals(0, cli.run("--url", gateway.url(), "--token", "sc_good", "envs", "list").exitCode());
            assertEquals(1, gateway.requests("GET", "/api/environments").size(), "--url before the subcommand");
        }
    }

    @Test
    void theStoredTokenIsNeverSentToAnotherGateway() throws Exception {
        try (FakeGateway other = new FakeGateway("sc_good")) {
            Cli cli = new Cli(home);
            assertEquals(0, cli.run("login", "--url", gateway.url(), "--token", "sc_good").exitCode());

            Cli.Result result = cli.variable("STAGECRAFT_URL", other.url()).run("envs", "list");

            assertEquals(2, result.exitCode(), result.toString());
            assertTrue(result.err().startsWith("error: no API token for " + other.url() + ": the token in "),
                    result.err());
            assertEquals(0, other.requests().size());
        }
    }

    @Test
    void aDamagedConfigFileIsNamedAndALoginMendsIt() throws Exception {
        Cli cli = new Cli(home);
        Path file = home.resolve(".config/stagecraft/cli.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "url=http://old");

        Cli.Result damaged = cli.run("envs", "list");
        Cli.Result login = cli.run("login", "--url", gateway.url(), "--token", "sc_good");

        assertEquals(2, damaged.exitCode(), damaged.toString());
        assertTrue(damaged.err().startsWith("error: the config file " + file + " is not the JSON stagecraft login"
                + " writes"), damaged.err());
        assertEquals(0, login.exitCode(), login.toString());
        assertEquals(0, cli.run("envs", "list").exitCode());
    }

    @Test
    void withoutLoginACommandSaysHowToLogIn() {
        Cli.Result result = new Cli(home).run("envs", "list");

        assertEquals(2, result.exitCode(), result.toString());
        assertEquals("error: no gateway URL: run 'stagecraft login --url <url> --token-stdin', or pass --url or set"
                + " STAGECRAFT_URL\n", result.err());
    }

    @Test
    void aUrlThatIsNotHttpIsRefusedNamingWhatIsAccepted() {
        Cli.Result result = new Cli(home).run("login", "--url", "localhost:8080", "--token", "sc_good");

        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().contains("--url 'localhost:8080' is not a gateway URL: use http://host:port"),
                result.err());
    }
}
