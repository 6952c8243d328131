package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code stagecraft tokens}: create shows the token's text once, list never does, revoke deletes. */
class TokensTest extends AgainstFakeGateway {

    @Override
    String token() {
        return "sc_admin";
    }

    @Test
    void createSendsNameRoleAndApplicationsAndShowsTheTokenOnce() throws Exception {
        gateway.on("POST", "/api/tokens", FakeGateway.Reply.json(201, "{\"id\": \"t-1\", \"name\": \"ci\","
                + " \"role\": \"deployer\", \"applications\": [\"shop\", \"blog\"], \"token\": \"sc_secret\"}"));

        Cli.Result result = cli.run("tokens", "create", "ci", "--role", "deployer", "--application", "shop",
                "--application", "blog");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(Json.parse("{\"name\": \"ci\", \"role\": \"deployer\", \"applications\": [\"shop\", \"blog\"]}"),
                gateway.only("POST", "/api/tokens").json());
        assertTrue(result.out().contains("Token:         sc_secret\n"), result.out());
        assertTrue(result.out().contains("Applications:  shop, blog\n"), result.out());
    }

    @Test
    void listShowsRolesAndScopes() {
        gateway.on("GET", "/api/tokens", FakeGateway.Reply.ok("""
                [{"id": "t-1", "name": "ci", "role": "DEPLOYER", "createdAt": "2026-05-01T10:00:00Z",
                  "lastUsedAt": null, "applications": "shop,blog"},
                 {"id": "bootstrap-admin", "name": "bootstrap-admin", "role": "ADMIN",
                  "createdAt": "2026-04-01T10:00:00Z", "lastUsedAt": "2026-05-01T11:00:00Z", "applications": null}]
                """));

        Cli.Result result = cli.run("tokens", "list");

        assertEquals("""
                ID               NAME             ROLE      APPLICATIONS  CREATED               LAST USED
                t-1              ci               deployer  shop,blog     2026-05-01T10:00:00Z  -
                bootstrap-admin  bootstrap-admin  admin     all           2026-04-01T10:00:00Z  2026-05-01T11:00:00Z
                """, result.out());
    }

    @Test
    void revokeDeletesTheToken() {
        gateway.on("DELETE", "/api/tokens/t-1", new FakeGateway.Reply(204, "application/json", null,
                Map.of()));

        Cli.Result result = cli.run("tokens", "revoke", "t-1");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("token t-1 revoked\n", result.out());
        assertEquals(1, gateway.requests("DELETE", "/api/tokens/t-1").size());
    }

    @Test
    void revokingAnUnknownTokenExitsFour() {
        gateway.on("DELETE", "/api/tokens/t-9", FakeGateway.Reply.error(404, "not_found", "no token with id 't-9'"));

        Cli.Result result = cli.run("tokens", "revoke", "t-9");

        assertEquals(4, result.exitCode(), result.toString());
        assertEquals("error: not_found: no token with id 't-9'\n", result.err());
    }
}
