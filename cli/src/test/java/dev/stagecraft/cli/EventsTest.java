package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code stagecraft events}: Server-Sent Events one per line, and an environment's timeline. */
class EventsTest extends AgainstFakeGateway {

    private static final String BUILD_STARTED = "{\"id\": \"e-1\", \"type\": \"dev.stagecraft.build.started.v1\","
            + " \"source\": \"/gateway\", \"subject\": \"env-1\", \"time\": \"2026-05-01T10:00:00.5Z\","
            + " \"workflowId\": \"wf-1\", \"causationId\": null, \"data\": {\"commit\": \"abc\"}}";
    private static final String READY = "{\"id\": \"e-2\", \"type\": \"dev.stagecraft.environment.ready.v1\","
            + "\n \"subject\": \"env-1\", \"time\": \"2026-05-01T10:00:09Z\", \"workflowId\": null}";

    @Override
    String token() {
        return "sc_viewer";
    }

    /** Two events, then the stream ends; a reconnection after the second gets nothing more. */
    private static FakeGateway.EventStream twoEventsThenClose() {
        return (request, out) -> {
            out.comment("stream open");
            if ("e-2".equals(request.lastEventId())) {
                return;
            }
            out.event("e-1", "dev.stagecraft.build.started.v1", BUILD_STARTED);
            out.comment("heartbeat");
            out.event("e-2", "dev.stagecraft.environment.ready.v1", READY);
        };
    }

    @Test
    void followPrintsEachEventOnOneLineUntilTheGatewayClosesTheStream() {
        gateway.stream("/api/events", twoEventsThenClose());

        Cli.Result result = cli.run("events", "-f");

        assertEquals("""
                2026-05-01T10:00:00Z  dev.stagecraft.build.started.v1  env-1  workflow wf-1
                2026-05-01T10:00:09Z  dev.stagecraft.environment.ready.v1  env-1
                """, result.out());
        assertEquals(6, result.exitCode(), result.toString());
        assertTrue(result.err().contains("error: stream_closed: the gateway closed the event stream after 2"
                + " events; 3 reconnections from event e-2 brought nothing new"), result.err());
        List<FakeGateway.Request> requests = gateway.requests("GET", "/api/events");
        assertEquals(4, requests.size(), "the first request and three reconnections");
        assertEquals(null, requests.get(0).lastEventId());
        requests.subList(1, 4).forEach(r -> assertEquals("e-2", r.lastEventId(), "resumed after the last event"));
        assertEquals("Bearer sc_viewer", requests.get(0).authorization());
    }

    @Test
    void aStreamThatEndsIsResumedAfterTheLastEventItPrinted() {
        gateway.stream("/api/events", (request, out) -> {
            if (request.lastEventId() == null) {
                out.event("e-1", "dev.stagecraft.build.started.v1", BUILD_STARTED);
            } else if ("e-1".equals(request.lastEventId())) {
                out.event("e-2", "dev.stagecraft.environment.ready.v1", READY); // what was missed, replayed
            }
        });

        Cli.Result result = cli.run("events", "-f");

        assertEquals("""
                2026-05-01T10:00:00Z  dev.stagecraft.build.started.v1  env-1  workflow wf-1
                2026-05-01T10:00:09Z  dev.stagecraft.environment.ready.v1  env-1
                """, result.out());
        assertTrue(result.err().contains("reconnecting from event e-1 (1 of 3)"), result.err());
        assertEquals(6, result.exitCode(), result.toString());
    }

    @Test
    void outputJsonPrintsEachEventsDataAsOneJsonLine() throws Exception {
        gateway.stream("/api/events?type=dev.stagecraft.build", twoEventsThenClose());

        Cli.Result result = cli.run("events", "-f", "--type", "dev.stagecraft.build", "-o", "json");

        List<String> lines = result.out().lines().toList();
        assertEquals(1, lines.size(), "the second event is not of the type: " + result.out());
        assertEquals(Json.parse(BUILD_STARTED), Json.parse(lines.get(0)));
    }

    @Test
    void oneEnvironmentsStreamHasARouteOfItsOwn() {
        gateway.stream("/api/environments/env-1/events", twoEventsThenClose());

        Cli.Result result = cli.run("events", "-f", "--environment", "env-1");

        assertEquals(2, result.out().lines().count(), result.toString());
    }

    @Test
    void anUnknownEnvironmentsStreamExitsFour() {
        gateway.on("GET", "/api/environments/nope/events", FakeGateway.Reply.error(404, "not_found",
                "no environment with id 'nope'"));

        Cli.Result notFound = cli.run("events", "-f", "--environment", "nope");

        assertEquals(4, notFound.exitCode(), notFound.toString());
        assertEquals("error: not_found: no environment with id 'nope'\n", notFound.err());
    }

    @Test
    void withoutFollowAnEnvironmentsTimelineIsPrinted() {
        gateway.on("GET", "/api/environments/env-1/timeline", FakeGateway.Reply.ok("""
                [{"type": "dev.stagecraft.build.started.v1", "workflowId": "wf-1", "applied": true,
                  "detail": {}, "at": "2026-05-01T10:00:00Z"},
                 {"type": "dev.stagecraft.build.completed.v1", "workflowId": "wf-1", "applied": false,
                  "detail": {}, "at": "2026-05-01T10:00:30Z"}]"""));

        Cli.Result result = cli.run("events", "--environment", "env-1");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("""
                AT                    TYPE                               WORKFLOW  APPLIED
                2026-05-01T10:00:00Z  dev.stagecraft.build.started.v1    wf-1      yes
                2026-05-01T10:00:30Z  dev.stagecraft.build.completed.v1  wf-1      no
                """, result.out());
    }

    @Test
    void withoutFollowOrEnvironmentThereIsNothingToShow() {
        Cli.Result result = cli.run("events");

        assertEquals(2, result.exitCode(), result.toString());
        assertTrue(result.err().startsWith("error: events without -f needs --environment <id>"), result.err());
    }
}
