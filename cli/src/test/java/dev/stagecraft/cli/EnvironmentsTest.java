package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


import org.junit.jupiter.api.Test;

/** {@code stagecraft envs}: the table people read, the API's JSON, and the route and body of each action. */
class EnvironmentsTest extends AgainstFakeGateway {

    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String READY = """
            {"id": "shop-pr2-a1b2c3", "application": "shop", "kind": "EPHEMERAL", "branch": "feature",
             "pullRequest": 2, "state": "READY", "awaitingApproval": false, "desiredCommit": "%1$s",
             "deployedCommit": "%1$s", "specHash": "5d41402abc4b", "endpoints": {"web": "http://web-shop.localhost"},
             "images": {}, "failureReason": null, "activeWorkflow": null, "expiresAt": "2026-05-02T12:00:00+02:00",
             "createdAt": "2026-05-01T10:00:00.123456Z", "updatedAt": "2026-05-01T10:01:00Z", "runAsRoot": null,
             "workflows": [{"id": "wf-1", "stage": "BUILD", "commit": "%1$s", "status": "SUCCEEDED",
               "reason": null, "images": {}, "startedAt": "2026-05-01T10:00:01Z",
               "finishedAt": "2026-05-01T10:00:40Z"}],
             "timeline": null}""".formatted(COMMIT);
    static final String MAIN = """
            {"id": "shop-main", "application": "shop", "kind": "PERMANENT", "branch": "main", "pullRequest": null,
             "state": "BUILDING", "awaitingApproval": false, "deployedCommit": null, "expiresAt": null,
             "workflows": []}""";

    @Override
    String token() {
        return "sc_deployer";
    }

    @Test
    void listShowsTheFieldsThatMatterInAlignedColumns() {
        gateway.on("GET", "/api/environments", FakeGateway.Reply.ok("[" + READY + "," + MAIN + "]"));

        Cli.Result result = cli.run("envs", "list");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("""
                ID               APPLICATION  KIND       BRANCH   PR  STATE     DEPLOYED      EXPIRES
                shop-pr2-a1b2c3  shop         EPHEMERAL  feature  2   READY     0123456789ab  2026-05-02T10:00:00Z
                shop-main        shop         PERMANENT  main     -   BUILDING  -             -
                """, result.out());
    }

    @Test
    void outputJsonPrintsTheApisJsonAsItCame() throws Exception {
        gateway.on("GET", "/api/environments", FakeGateway.Reply.ok("[" + READY + "]"));

        Cli.Result result = cli.run("envs", "list", "-o", "json");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(Json.parse("[" + READY + "]"), Json.parse(result.out()));
        assertTrue(result.out().startsWith("[ {\n"), "pretty: " + result.out());
    }

    @Test
    void listPassesItsFiltersAndPagingAndNamesTheNextPage() {
        gateway.on("GET", "/api/environments?application=shop&state=READY&branch=feature%2Fx&limit=1",
                FakeGateway.Reply.ok("[" + READY + "]").withHeader("X-Next-Cursor", "MjAyNi0wNQ"));

        Cli.Result result = cli.run("envs", "list", "--app", "shop", "--state", "READY", "--branch", "feature/x",
                "--limit", "1");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("more: add --after MjAyNi0wNQ\n", result.err());
    }

    @Test
    void showPrintsTheEnvironmentItsEndpointsAndWorkflows() {
        gateway.on("GET", "/api/environments/shop-pr2-a1b2c3", FakeGateway.Reply.ok(READY));

        Cli.Result result = cli.run("envs", "show", "shop-pr2-a1b2c3");

        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("State:              READY\n"), result.out());
        assertTrue(result.out().contains("web      http://web-shop.localhost\n"), result.out());
        assertTrue(result.out().contains("wf-1      BUILD  SUCCEEDED  0123456789ab  2026-05-01T10:00:01Z"),
                result.out());
    }

    @Test
    void createSendsApplicationBranchCommitAndKind() throws Exception {
        gateway.on("POST", "/api/environments", FakeGateway.Reply.json(201, MAIN));

        Cli.Result result = cli.run("envs", "create", "--app", "shop", "--branch", "main", "--commit", COMMIT,
                "--kind", "permanent");

        assertEquals(0, result.exitCode(), result.toString());
        FakeGateway.Request request = gateway.only("POST", "/api/environments");
        assertEquals("application/json", request.contentType());
        assertEquals(Json.parse("{\"application\": \"shop\", \"branch\": \"main\", \"commit\": \"" + COMMIT
                + "\", \"kind\": \"permanent\"}"), request.json());
        assertTrue(result.out().contains("shop-main  shop         PERMANENT  main"), result.out());
    }

    @Test
    void approveSendsTheCommitThatWasReviewed() throws Exception {
        gateway.on("POST", "/api/environments/shop-pr2-a1b2c3/approve", FakeGateway.Reply.json(202, READY));

        Cli.Result result = cli.run("envs", "approve", "shop-pr2-a1b2c3", "--commit", "0123456");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(Json.parse("{\"commit\": \"0123456\"}"),
                gateway.only("POST", "/api/environments/shop-pr2-a1b2c3/approve").json());
    }

    @Test
    void approveWithoutACommitIsAUsageError() {
        Cli.Result result = cli.run("envs", "approve", "shop-pr2-a1b2c3");

        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().startsWith("error: Missing required option: '--commit=<sha>'"), result.err());
        assertEquals(0, gateway.requests().size());
    }

    @Test
    void deployWithoutACommitSendsNoBodySoTheBranchHeadIsDeployed() {
        gateway.on("POST", "/api/environments/shop-main/deploy", FakeGateway.Reply.json(202, MAIN));
        gateway.on("POST", "/api/environments/shop-main/setup", FakeGateway.Reply.json(202, MAIN));

        assertEquals(0, cli.run("envs", "deploy", "shop-main").exitCode());
        assertEquals(0, cli.run("envs", "setup", "shop-main").exitCode());

        FakeGateway.Request deploy = gateway.only("POST", "/api/environments/shop-main/deploy");
        assertEquals("", deploy.body());
        assertNull(deploy.contentType());
        assertEquals("", gateway.only("POST", "/api/environments/shop-main/setup").body());
    }

    @Test
    void pauseAndResumeSendNoBodyAndShowTheEnvironment() {
        gateway.on("POST", "/api/environments/shop-pr2-a1b2c3/pause", FakeGateway.Reply.json(202, READY));
        gateway.on("POST", "/api/environments/shop-pr2-a1b2c3/resume", FakeGateway.Reply.json(202, READY));

        Cli.Result paused = cli.run("envs", "pause", "shop-pr2-a1b2c3");
        Cli.Result resumed = cli.run("envs", "resume", "shop-pr2-a1b2c3");

        assertEquals(0, paused.exitCode(), paused.toString());
        assertEquals(0, resumed.exitCode(), resumed.toString());
        assertTrue(paused.out().contains("shop-pr2-a1b2c3"), paused.out());
        assertEquals("", gateway.only("POST", "/api/environments/shop-pr2-a1b2c3/pause").body());
        assertEquals("", gateway.only("POST", "/api/environments/shop-pr2-a1b2c3/resume").body());
    }

    @Test
    void scheduleSendsADailyWindowWeekendsNoneOrInheritsAndRefusesAMix() throws Exception {
        String path = "/api/environments/shop-pr2-a1b2c3/pause-schedule";
        gateway.on("PUT", path, FakeGateway.Reply.ok(READY));
        gateway.on("DELETE", path, FakeGateway.Reply.ok(READY));

        assertEquals(0, cli.run("envs", "schedule", "shop-pr2-a1b2c3", "--pause-at", "20:00", "--resume-at", "08:00",
                "--timezone", "Europe/Berlin").exitCode());
        assertEquals(0, cli.run("envs", "schedule", "shop-pr2-a1b2c3", "--weekends").exitCode());
        assertEquals(0, cli.run("envs", "schedule", "shop-pr2-a1b2c3", "--none").exitCode());
        assertEquals(0, cli.run("envs", "schedule", "shop-pr2-a1b2c3", "--inherit").exitCode());
        Cli.Result mixed = cli.run("envs", "schedule", "shop-pr2-a1b2c3", "--weekends", "--none");

        var puts = gateway.requests("PUT", path);
        assertEquals(Json.parse("{\"timezone\": \"Europe/Berlin\", \"pauseAt\": \"20:00\", \"resumeAt\": \"08:00\"}"),
                puts.get(0).json());
        assertEquals(Json.parse("{\"timezone\": \"UTC\", \"weekendsOnly\": true}"), puts.get(1).json());
        assertEquals(Json.parse("{\"none\": true}"), puts.get(2).json());
        assertEquals(1, gateway.requests("DELETE", path).size());
        assertEquals(2, mixed.exitCode(), mixed.toString());
        assertEquals(3, puts.size(), "a refused mix sends nothing");
    }

    @Test
    void deployWithACommitSendsIt() throws Exception {
        gateway.on("POST", "/api/environments/shop-main/deploy", FakeGateway.Reply.json(202, MAIN));

        assertEquals(0, cli.run("envs", "deploy", "shop-main", "--commit", COMMIT).exitCode());

        assertEquals(Json.parse("{\"commit\": \"" + COMMIT + "\"}"),
                gateway.only("POST", "/api/environments/shop-main/deploy").json());
    }

    @Test
    void extendTakesAShorthandAndSendsIsoEightSixOhOne() throws Exception {
        gateway.on("POST", "/api/environments/shop-pr2-a1b2c3/extend", FakeGateway.Reply.ok(READY));

        assertEquals(0, cli.run("envs", "extend", "shop-pr2-a1b2c3", "--by", "12h").exitCode());
        assertEquals(0, cli.run("envs", "extend", "shop-pr2-a1b2c3", "--by", "P2D").exitCode());
        assertEquals(0, cli.run("envs", "extend", "shop-pr2-a1b2c3").exitCode());

        var requests = gateway.requests("POST", "/api/environments/shop-pr2-a1b2c3/extend");
        assertEquals(Json.parse("{\"by\": \"PT12H\"}"), requests.get(0).json());
        assertEquals(Json.parse("{\"by\": \"P2D\"}"), requests.get(1).json());
        assertEquals("", requests.get(2).body(), "the installation's TTL");
    }

    @Test
    void extendRefusesWhatIsNotADurationBeforeAsking() {
        Cli.Result result = cli.run("envs", "extend", "shop-pr2-a1b2c3", "--by", "two weeks");

        assertEquals(2, result.exitCode(), result.toString());
        assertEquals("error: --by 'two weeks' is not a duration: use a number with s, m, h or d (90m, 12h, 2d) or"
                + " ISO-8601 (PT12H, P2D)\n", result.err());
        assertEquals(0, gateway.requests().size());
    }

    @Test
    void deleteTearsTheEnvironmentDown() {
        gateway.on("DELETE", "/api/environments/shop-pr2-a1b2c3", FakeGateway.Reply.json(202,
                READY.replace("\"state\": \"READY\"", "\"state\": \"TEARING_DOWN\"")));

        Cli.Result result = cli.run("envs", "delete", "shop-pr2-a1b2c3");

        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("TEARING_DOWN"), result.out());
        assertEquals("", gateway.only("DELETE", "/api/environments/shop-pr2-a1b2c3").body());
    }

    @Test
    void anIdIsEncodedSoItNeverChangesTheRoute() {
        gateway.on("GET", "/api/environments/a%2F..%2Fb", FakeGateway.Reply.ok(MAIN));

        assertEquals(0, cli.run("envs", "show", "a/../b").exitCode());
    }

    @Test
    void aQueuedEnvironmentShowsItsPlaceInTheQueueInTheListAndTheDetails() {
        String queued = READY.replace("\"state\": \"READY\"", "\"state\": \"QUEUED\", \"queuePosition\": 2")
                .replace("\"deployedCommit\": \"" + COMMIT + "\"", "\"deployedCommit\": null");
        gateway.on("GET", "/api/environments", FakeGateway.Reply.ok("[" + queued + "]"));
        gateway.on("GET", "/api/environments/shop-pr2-a1b2c3", FakeGateway.Reply.ok(queued));

        Cli.Result list = cli.run("envs", "list");
        Cli.Result show = cli.run("envs", "show", "shop-pr2-a1b2c3");

        assertEquals(0, list.exitCode(), list.toString());
        assertTrue(list.out().contains("QUEUED (#2)"), list.out());
        assertEquals(0, show.exitCode(), show.toString());
        assertTrue(show.out().contains("Queue position:") && show.out().contains("2 (starts when a running environment"
                + " of its application stops)"), show.out());
    }
}
