package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

import dev.stagecraft.cli.Shell;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.infra.SampleRepository;

/**
 * The stagecraft command against the running stack, in this JVM as a terminal would run it, with a config folder of
 * its own: login, register the sample application, follow a pull request's environment from its build to READY and
 * to DELETED, manage tokens, and the exit code and message of an environment that does not exist.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PULL_REQUEST = 801;

    private static Stack stack;
    private static Path home;
    private static String app;

    /** What a run of the command left: its exit code and what it printed. */
    private record Run(int exitCode, String out, String err) {

        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
        home = Files.createTempDirectory("stagecraft-cli-");
        app = "cli-" + stack.nonce;
    }

    private static Run stagecraft(String... args) {
        return stagecraftWithInput("", args);
    }

    private static Run stagecraftWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Stagecraft.commandLine(new Shell(Map.of("XDG_CONFIG_HOME", home.resolve("config").toString()),
                home, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static JsonNode environment(String id) throws IOException {
        Run show = stagecraft("envs", "show", id, "-o", "json");
        assertEquals(0, show.exitCode(), show.toString());
        return show.json();
    }

    @Test
    @Order(1)
    void loginStoresTheAdminTokenInAFileOnlyItsOwnerReads() throws Exception {
        Run login = stagecraftWithInput(stack.adminToken + "\n", "login", "--url", stack.services.gatewayUrl(),
                "--token-stdin");

        assertEquals(0, login.exitCode(), login.toString());
        Path file = home.resolve("config/stagecraft/cli.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(stack.adminToken, JSON.readTree(file.toFile()).get("token").asText());
    }

    @Test
    @Order(2)
    void aPullRequestsEnvironmentIsFollowedFromItsBuildToReadyAndDeleted() throws Exception {
        // a repository of its own: an application on the shared sample repository would get an environment for
        // every pull request the other tests open there
        SampleRepository repository = stack.newRepository("cli-" + stack.nonce, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web v1\n",
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api v1\n"));
        String repositoryUrl = stack.repositoryUrl("cli-" + stack.nonce);
        Path template = Files.writeString(home.resolve("template.yaml"), SampleRepository.TEMPLATE);
        Path secret = Files.writeString(home.resolve("webhook-secret"), Stack.SECRET + "\n");
        Run register = stagecraft("apps", "register", app, "--repository", repositoryUrl, "--webhook-secret-file",
                secret.toString(), "--template", template.toString(), "--runtime", "docker");
        assertEquals(0, register.exitCode(), register.toString());
        assertTrue(register.out().contains("Services:            web, api\n"), register.out());

        repository.branch("cli");
        // both contexts change, so both images are built and the build runs while it is followed
        String sha = repository.commit("cli", Map.of("web/index.html", "web cli " + stack.nonce + "\n",
                "api/index.html", "api cli " + stack.nonce + "\n"), "cli change");
        assertEquals(202, stack.gateway.webhook("pull_request", GitHubPayloads.pullRequest(
                GitHubPayloads.recorded("pull_request-opened.json"), "opened", PULL_REQUEST, "cli", sha,
                repositoryUrl), Stack.SECRET).status());

        Run list = stagecraft("envs", "list", "--app", app, "-o", "json");
        assertEquals(0, list.exitCode(), list.toString());
        String env = null;
        for (JsonNode e : list.json()) {
            if (e.path("pullRequest").asInt() == PULL_REQUEST) {
                env = e.get("id").asText();
            }
        }
        assertNotNull(env, "envs list shows the pull request's environment: " + list.out());

        Run logs = stagecraft("logs", "-f", env);
        assertEquals(0, logs.exitCode(), logs.toString());
        assertTrue(logs.err().contains(": BUILD of " + env + ", "), "the latest workflow was the build: " + logs);
        assertTrue(logs.out().contains("fetching " + repositoryUrl + " at " + sha), logs.toString());

        String id = env;
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertEquals("READY", environment(id).path("state").asText()));
        Run show = stagecraft("envs", "show", env);
        assertEquals(0, show.exitCode(), show.toString());
        assertTrue(show.out().contains("State:              READY\n"), show.out());
        assertTrue(show.out().contains("Deployed commit:    " + sha + "\n"), show.out());

        Run delete = stagecraft("envs", "delete", env);
        assertEquals(0, delete.exitCode(), delete.toString());
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertEquals("DELETED", environment(id).path("state").asText()));
    }

    @Test
    @Order(3)
    void aTokenIsCreatedListedUsedAndRevoked() throws Exception {
        Run create = stagecraft("tokens", "create", "cli-viewer-" + stack.nonce, "--role", "viewer", "-o", "json");
        assertEquals(0, create.exitCode(), create.toString());
        String id = create.json().get("id").asText();
        String token = create.json().get("token").asText();

        Run list = stagecraft("tokens", "list", "--limit", "1000", "-o", "json");
        assertEquals(0, list.exitCode(), list.toString());
        boolean listed = false;
        for (JsonNode t : list.json()) {
            listed |= id.equals(t.get("id").asText());
            assertFalse(t.has("token"), "a token's text is never listed");
        }
        assertTrue(listed, "tokens list shows " + id + ": " + list.out());

        assertEquals(0, stagecraft("envs", "list", "--token", token).exitCode(), "a viewer reads");
        Run refused = stagecraft("envs", "setup", "no-such-environment", "--token", token);
        assertEquals(3, refused.exitCode(), refused.toString());
        assertTrue(refused.err().startsWith("error: forbidden: this needs the deployer role"), refused.err());

        Run revoke = stagecraft("tokens", "revoke", id);
        assertEquals(0, revoke.exitCode(), revoke.toString());
        Run revoked = stagecraft("envs", "list", "--token", token);
        assertEquals(3, revoked.exitCode(), revoked.toString());
        assertEquals("error: unauthenticated: the API token is not valid (unknown or revoked)\n", revoked.err());
    }

    @Test
    @Order(4)
    void anUnknownEnvironmentExitsWithTheNotFoundCodeAndTheApisMessage() {
        String id = "no-such-environment-" + stack.nonce;

        Run show = stagecraft("envs", "show", id);

        assertEquals(4, show.exitCode(), show.toString());
        assertEquals("error: not_found: no environment with id '" + id + "'\n", show.err());
    }
}
