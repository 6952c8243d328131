package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit code each outcome of a request means, and the API's own error message on standard error. */
class ExitCodesTest extends AgainstFakeGateway {

    @Override
    String token() {
        return "sc_viewer";
    }

    @Test
    void anUnknownTokenExitsThreeWithTheGatewaysMessage() {
        Cli.Result result = cli.run("envs", "list", "--token", "sc_revoked");

        assertEquals(3, result.exitCode(), result.toString());
        assertEquals("error: unauthenticated: the API token is not valid (unknown or revoked)\n", result.err());
        assertEquals("", result.out());
    }

    @Test
    void tooLittleRoleExitsThree() {
        gateway.on("POST", "/api/environments/shop-main/setup", FakeGateway.Reply.error(403, "forbidden",
                "this needs the deployer role; token 'ci' has viewer"));

        Cli.Result result = cli.run("envs", "setup", "shop-main");

        assertEquals(3, result.exitCode(), result.toString());
        assertEquals("error: forbidden: this needs the deployer role; token 'ci' has viewer\n", result.err());
    }

    @Test
    void anUnknownEnvironmentExitsFourWithTheGatewaysMessage() {
        gateway.on("GET", "/api/environments/nope", FakeGateway.Reply.error(404, "not_found",
                "no environment with id 'nope'"));

        Cli.Result result = cli.run("envs", "show", "nope");

        assertEquals(4, result.exitCode(), result.toString());
        assertEquals("error: not_found: no environment with id 'nope'\n", result.err());
    }

    @Test
    void aConflictExitsFiveWithTheGatewaysMessage() {
        gateway.on("POST", "/api/environments/shop-main/setup", FakeGateway.Reply.error(409, "workflow_running",
                "environment 'shop-main' is BUILDING: wait for its workflow to finish"));

        Cli.Result result = cli.run("envs", "setup", "shop-main");

        assertEquals(5, result.exitCode(), result.toString());
        assertEquals("error: workflow_running: environment 'shop-main' is BUILDING: wait for its workflow to"
                + " finish\n", result.err());
    }

    @Test
    void anInvalidTemplateExitsFiveAndListsEveryProblem(@TempDir Path files) throws Exception {
        Path template = Files.writeString(files.resolve("template.yaml"), "services: 3\n");
        gateway.on("POST", "/api/applications", FakeGateway.Reply.error(422, "invalid_template",
                "the template is invalid: 1 error", """
                [{"severity": "ERROR", "file": "template.yaml", "line": 1, "column": 11, "path": "services",
                  "message": "found a number; accepted: a list of services"}]"""));

        Cli.Result result = cli.run("apps", "register", "shop", "--repository", "https://example.com/shop.git",
                "--webhook-secret", "a-long-secret", "--template", template.toString());

        assertEquals(5, result.exitCode(), result.toString());
        assertEquals("""
                error: invalid_template: the template is invalid: 1 error
                  ERROR template.yaml:1:11: services: found a number; accepted: a list of services
                """, result.err());
    }

    @Test
    void aServerErrorExitsSix() {
        gateway.on("GET", "/api/environments", FakeGateway.Reply.json(502, "<html>Bad Gateway</html>"));

        Cli.Result result = cli.run("envs", "list");

        assertEquals(6, result.exitCode(), result.toString());
        assertEquals("error: http_502: the gateway answered HTTP 502 (body: <html>Bad Gateway</html>)\n",
                result.err());
    }

    @Test
    void aGatewayThatDoesNotListenExitsSix() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Cli.Result result = cli.run("envs", "list", "--url", "http://127.0.0.1:" + closedPort);

        assertEquals(6, result.exitCode(), result.toString());
        assertTrue(result.err().startsWith("error: unreachable: cannot reach the gateway at http://127.0.0.1:"
                + closedPort), result.err());
    }

    @Test
    void anUnknownCommandOrOptionExitsTwoWithoutAsking() {
        Cli.Result command = cli.run("envs", "lst");
        Cli.Result option = cli.run("envs", "list", "--colour");

        assertEquals(2, command.exitCode(), command.toString());
        assertTrue(command.err().contains("Did you mean: envs list?"), command.err());
        assertEquals(2, option.exitCode(), option.toString());
        assertTrue(option.err().startsWith("error: Unknown option: '--colour'"), option.err());
        assertEquals(0, gateway.requests().size());
    }

    @Test
    void aMissingTemplateFileIsAUsageErrorNamingIt() {
        Cli.Result result = cli.run("apps", "register", "shop", "--repository", "https://example.com/shop.git",
                "--webhook-secret", "a-long-secret", "--compose", home.resolve("missing.yaml").toString());

        assertEquals(2, result.exitCode(), result.toString());
        assertEquals("error: --compose " + home.resolve("missing.yaml") + ": no such file\n", result.err());
    }
}
