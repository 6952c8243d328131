package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** {@code stagecraft logs}: a workflow's output, an environment's latest workflow, and following one to its end. */
class LogsTest extends AgainstFakeGateway {

    private static final String ENVIRONMENT = """
            {"id": "env-1", "application": "shop", "state": "SETTING_UP", "workflows": [
              {"id": "wf-1", "stage": "BUILD", "status": "SUCCEEDED"},
              {"id": "wf-2", "stage": "SETUP", "status": "%s", "reason": %s}]}""";

    @Override
    String token() {
        return "sc_viewer";
    }

    private static String line(long id, String source, String text) {
        return "{\"id\": " + id + ", \"source\": \"" + source + "\", \"line\": \"" + text
                + "\", \"at\": \"2026-05-01T10:00:00Z\"}";
    }

    private static FakeGateway.Reply page(Long next, String... lines) {
        return FakeGateway.Reply.ok("{\"lines\": [" + String.join(",", lines) + "], \"next\": " + next
                + ", \"total\": 4}");
    }

    private static String workflow(String status) {
        return "{\"workflow\": {\"id\": \"wf-2\", \"stage\": \"SETUP\", \"status\": \"" + status + "\"},"
                + " \"environment\": \"env-1\", \"tasks\": [], \"timeline\": [], \"logs\": null}";
    }

    @Test
    void followPrintsAnEnvironmentsLatestWorkflowUntilItEnds() throws Exception {
        AtomicBoolean finished = new AtomicBoolean();
        CountDownLatch ended = new CountDownLatch(1);
        gateway.on("GET", "/api/environments/env-1", FakeGateway.Reply.ok(ENVIRONMENT.formatted("RUNNING", "null")))
                .on("GET", "/api/workflows/wf-2/logs?after=0&limit=1000",
                        page(null, line(1, "web", "pulling web"), line(2, "api", "pulling api")))
                .on("GET", "/api/workflows/wf-2/logs?after=2&limit=1000", request -> {
                    finished.set(true);
                    ended.countDown();
                    return page(null, line(3, "web", "web started"));
                })
                // a line that reached the gateway after the workflow's end event
                .on("GET", "/api/workflows/wf-2/logs?after=3&limit=1000", page(null, line(4, "api", "api started")))
                .on("GET", "/api/workflows/wf-2/logs?after=4&limit=1000", page(null))
                .on("GET", "/api/workflows/wf-2", request -> FakeGateway.Reply.ok(workflow(finished.get()
                        ? "SUCCEEDED" : "RUNNING")))
                .stream("/api/environments/env-1/events", (request, out) -> {
                    out.comment("stream open");
                    if (ended.await(20, TimeUnit.SECONDS)) {
                        out.event("e-9", "dev.stagecraft.setup.succeeded.v1",
                                "{\"id\": \"e-9\", \"subject\": \"env-1\", \"workflowId\": \"wf-2\"}");
                    }
                    for (int beat = 0; beat < 100; beat++) {
                        Thread.sleep(200);
                        out.comment("heartbeat");
                    }
                });

        Cli.Result result = cli.run("logs", "-f", "env-1");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("""
                web | pulling web
                api | pulling api
                web | web started
                api | api started
                """, result.out());
        assertEquals("workflow wf-2: SETUP of env-1, RUNNING\n", result.err());
        List<FakeGateway.Request> polls = gateway.requests().stream()
                .filter(r -> r.target().startsWith("/api/workflows/wf-2/logs")).toList();
        for (int i = 1; i < polls.size(); i++) {
            long apart = polls.get(i).arrivedNanos() - polls.get(i - 1).arrivedNanos();
            assertTrue(apart >= TimeUnit.MILLISECONDS.toNanos(950), "polled " + apart / 1_000_000 + " ms apart");
        }
        assertTrue(gateway.requests("GET", "/api/workflows/wf-2").size() <= 3,
                "the status is asked for when an event says so, not on every poll");
    }

    @Test
    void followOfAWorkflowThatFailedPrintsItsOutputAndExitsOne() {
        gateway.on("GET", "/api/environments/env-1",
                FakeGateway.Reply.ok(ENVIRONMENT.formatted("FAILED", "\"task migrate failed: exit 3\"")))
                .on("GET", "/api/workflows/wf-2/logs?after=0&limit=1000", page(null, line(1, "migrate", "boom")));

        Cli.Result result = cli.run("logs", "--follow", "env-1");

        assertEquals(1, result.exitCode(), result.toString());
        assertEquals("migrate | boom\n", result.out());
        assertTrue(result.err().endsWith("workflow wf-2 FAILED: task migrate failed: exit 3\n"), result.err());
    }

    @Test
    void aWorkflowIdPrintsThatWorkflowPageByPage() throws Exception {
        gateway.on("GET", "/api/environments/wf-2", FakeGateway.Reply.error(404, "not_found",
                "no environment with id 'wf-2'"))
                .on("GET", "/api/workflows/wf-2", FakeGateway.Reply.ok(workflow("SUCCEEDED")))
                .on("GET", "/api/workflows/wf-2/logs?source=web&after=0&limit=1000",
                        page(7L, line(7, "web", "one")))
                .on("GET", "/api/workflows/wf-2/logs?source=web&after=7&limit=1000", page(null, line(9, "web",
                        "two")));

        Cli.Result result = cli.run("logs", "wf-2", "--source", "web", "-o", "json");

        assertEquals(0, result.exitCode(), result.toString());
        List<String> lines = result.out().lines().toList();
        assertEquals(2, lines.size(), result.out());
        assertEquals(Json.parse(line(7, "web", "one")), Json.parse(lines.get(0)));
        assertEquals(Json.parse(line(9, "web", "two")), Json.parse(lines.get(1)));
    }

    @Test
    void anIdThatIsNeitherExitsFour() {
        gateway.on("GET", "/api/environments/nope", FakeGateway.Reply.error(404, "not_found",
                "no environment with id 'nope'"))
                .on("GET", "/api/workflows/nope", FakeGateway.Reply.error(404, "not_found",
                        "no workflow with id 'nope'"));

        Cli.Result result = cli.run("logs", "nope");

        assertEquals(4, result.exitCode(), result.toString());
        assertEquals("error: not_found: no environment or workflow with id 'nope'\n", result.err());
    }
}
