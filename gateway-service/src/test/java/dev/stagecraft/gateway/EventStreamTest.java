package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.LogLine;
import dev.stagecraft.events.TaskFinished;
import dev.stagecraft.events.TaskStarted;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.gateway.events.LifecycleStream;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class EventStreamTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    LifecycleStream lifecycle;

    /** The SSE events of one stream as (event name, data) pairs, read on a thread of its own. */
    private final class Stream implements AutoCloseable {

        final BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
        final int status;
        private final InputStream body;

        Stream(String path) throws Exception {
            this(path, null);
        }

        Stream(String path, String lastEventId) throws Exception {
            this(path, lastEventId, Api.ADMIN_TOKEN);
        }

        /** A stream opened with {@code token} as bearer, or without the header when it is null. */
        Stream(String path, String lastEventId, String token) throws Exception {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                    .header("Accept", "text/event-stream");
            if (token != null) {
                builder.header("Authorization", "Bearer " + token);
            }
            if (lastEventId != null) {
                builder.header("Last-Event-ID", lastEventId);
            }
            HttpRequest request = builder.build();
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            body = response.body();
            if (status == 200) {
                Thread reader = new Thread(this::read, "sse-reader");
                reader.setDaemon(true);
                reader.start();
            }
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = null;
                String id = null;
                StringBuilder data = new StringBuilder();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    } else if (line.isEmpty() && (name != null || !data.isEmpty())) {
                        // an event without a name is a "message", as EventSource dispatches it
                        events.add(new String[] {name == null ? "message" : name, data.toString(), id});
                        name = null;
                        id = null;
                        data.setLength(0);
                    }
                }
            } catch (java.io.IOException closed) {
                // the test closed the stream
            }
        }

        JsonNode await(String type, Runnable meanwhile) throws Exception {
            String[] found = Awaitility.await("a " + type + " on the stream").atMost(Duration.ofSeconds(30))
                    .pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                        meanwhile.run();
                        String[] event = events.poll(500, TimeUnit.MILLISECONDS);
                        while (event != null && !event[0].equals(type)) {
                            event = events.poll();
                        }
                        return event;
                    }, java.util.Objects::nonNull);
            return EventJson.mapper().readTree(found[1]);
        }

        @Override
        public void close() throws Exception {
            body.close();
        }
    }

    @Test
    void oneEnvironmentsStreamAndTheStreamOfAllCarryItsLifecycleEvents() throws Exception {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        try (TestBus bus = new TestBus()) {
            BuildRequested build = openPullRequest(bus, repo, app);
            String env = build.environmentId();
            try (Stream one = new Stream("api/environments/" + env + "/events");
                    Stream all = new Stream("api/events?type=dev.stagecraft.task.")) {
                assertEquals(200, one.status);
                assertEquals(200, all.status);
                // the stream starts at "now": publish until the stream has joined the topic and shows the event
                JsonNode task = one.await("dev.stagecraft.task.started.v1",
                        () -> bus.publish(new TaskStarted(env, build.workflowId(), "services.web")));
                assertEquals(env, task.path("subject").asText());
                assertEquals(build.workflowId(), task.path("workflowId").asText());
                assertEquals("services.web", task.path("data").path("task").asText());
                JsonNode inAll = all.await("dev.stagecraft.task.started.v1", () -> { });
                assertEquals("dev.stagecraft.task.started.v1", inAll.path("type").asText());

                given().delete("/api/environments/" + env).then().statusCode(202);
                TeardownRequested teardown = (TeardownRequested) bus.await(TeardownRequested.class, env).data();
                bus.publish(new TeardownSucceeded(env, teardown.workflowId(), List.of()));
                JsonNode deleted = one.await("dev.stagecraft.environment.deleted.v1", () -> { });
                assertEquals(teardown.workflowId(), deleted.path("data").path("workflowId").asText());
            }
        }
        try (Stream missing = new Stream("api/environments/no-such-env/events")) {
            assertEquals(404, missing.status);
        }
        HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(base + "api/events")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
    }

    /**
     * A client that reconnects with Last-Event-ID (as EventSource does) first gets what it missed, in order, from the
     * timeline, then the live events, each once.
     */
    @Test
    void aStreamResumedWithLastEventIdReplaysWhatWasMissedThenGoesOnLive() throws Exception {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        try (TestBus bus = new TestBus()) {
            BuildRequested build = openPullRequest(bus, repo, app);
            String env = build.environmentId();
            String wf = build.workflowId();
            String seen;
            try (Stream first = new Stream("api/environments/" + env + "/events")) {
                JsonNode task = first.await("dev.stagecraft.task.started.v1",
                        () -> bus.publish(new TaskStarted(env, wf, "services.web")));
                seen = task.path("id").asText();
            }
            // missed while disconnected; recorded on the timeline
            bus.publish(new TaskFinished(env, wf, "services.web", "SUCCEEDED", null));
            bus.publish(new TaskStarted(env, wf, "services.api"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> given()
                    .get("/api/environments/" + env + "/timeline").then().extract().asString(),
                    t -> t.contains("services.api"));
            try (Stream resumed = new Stream("api/environments/" + env + "/events", seen);
                    Stream all = new Stream("api/events?type=dev.stagecraft.task.", seen);
                    Stream byQuery = new Stream("api/environments/" + env + "/events?lastEventId=" + seen, null)) {
                for (Stream stream : List.of(resumed, all, byQuery)) {
                    String[] finished = nextOf(stream, env);
                    String[] started = nextOf(stream, env);
                    assertEquals("dev.stagecraft.task.finished.v1", finished[0], "replayed first, in order");
                    assertEquals("services.web", EventJson.mapper().readTree(finished[1]).path("data").path("task")
                            .asText());
                    assertEquals("dev.stagecraft.task.started.v1", started[0]);
                    assertEquals("services.api", EventJson.mapper().readTree(started[1]).path("data").path("task")
                            .asText());
                    assertEquals(EventJson.mapper().readTree(started[1]).path("id").asText(), started[2],
                            "a replayed event keeps its id, for the next resume");
                }
                JsonNode live = resumed.await("dev.stagecraft.task.finished.v1",
                        () -> bus.publish(new TaskFinished(env, wf, "services.api", "SUCCEEDED", null)));
                assertEquals("services.api", live.path("data").path("task").asText());
                for (String[] rest : resumed.events) {
                    assertFalse(rest[1].contains("services.web"), "nothing replayed twice: " + rest[1]);
                }
            }
        }
    }

    /** A stream the client closed, resumed or not, stops reading the lifecycle: nothing is left subscribed. */
    @Test
    void aClosedStreamLeavesNoSubscriptionBehind() throws Exception {
        int before = lifecycle.subscribers();
        for (String lastEventId : Arrays.asList(null, "no-such-event")) {
            try (Stream stream = new Stream("api/events", lastEventId)) {
                assertEquals(200, stream.status);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lifecycle.subscribers() > before);
            }
            Awaitility.await("the closed stream's subscription ended").atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(100)).until(() -> lifecycle.subscribers() == before);
        }
    }

    /** Opens a pull request on {@code repo} and returns the build its environment asks for. */
    private static BuildRequested openPullRequest(TestBus bus, String repo, String app) throws Exception {
        Hooks.send("pull_request", Hooks.forRepository("pull_request-opened.json", repo)).statusCode(202);
        String env = given().queryParam("application", app).get("/api/environments").then().extract().path("[0].id");
        return (BuildRequested) bus.await(BuildRequested.class, env).data();
    }

    /** The stream's next event of the environment (the stream of all may hold other environments' events). */
    private static String[] nextOf(Stream stream, String env) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            String[] event = stream.events.poll(1, TimeUnit.SECONDS);
            if (event != null && env.equals(EventJson.mapper().readTree(event[1]).path("subject").asText())) {
                return event;
            }
        }
        throw new AssertionError("no event of " + env + " on the stream within 10 s");
    }

    /** A secret variable's value printed by a container or named in a failure never reaches a reader in clear. */
    @Test
    void secretValuesAreMaskedInStreamsLogsAndTheTimeline() throws Exception {
        String secret = "hunter2-s3cret";
        String repo = Apps.uniqueRepo();
        String app = given().contentType("application/json")
                .body(java.util.Map.of("name", "masked-" + java.util.UUID.randomUUID().toString().substring(0, 8),
                        "repository", java.util.Map.of("url", repo), "webhookSecret", Hooks.SECRET, "template",
                        Apps.TWO_SERVICES, "environmentVariables",
                        "defaults:\n- key: DB_PASSWORD\n  value: " + secret + "\n  secret: true\n"))
                .post("/api/applications").then().statusCode(201).extract().path("id");
        try (TestBus bus = new TestBus()) {
            BuildRequested build = openPullRequest(bus, repo, app);
            String env = build.environmentId();
            String wf = build.workflowId();
            try (Stream one = new Stream("api/environments/" + env + "/events")) {
                JsonNode finished = one.await("dev.stagecraft.task.finished.v1", () -> bus.publish(new TaskFinished(
                        env, wf, "services.web", "FAILED", "exit code 1; DB_PASSWORD=" + secret)));
                assertEquals("exit code 1; DB_PASSWORD=********", finished.path("data").path("message").asText());
            }
            bus.publish(new LogLine(env, wf, "web", "connecting as app with " + secret + " to db"));
            String logs = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> given().get("/api/workflows/" + wf + "/logs").then().extract().asString(),
                            l -> l.contains("connecting"));
            assertTrue(logs.contains("connecting as app with ******** to db") && !logs.contains(secret), logs);
            String timeline = given().get("/api/environments/" + env + "/timeline").then().statusCode(200).extract()
                    .asString();
            assertTrue(timeline.contains("DB_PASSWORD=********") && !timeline.contains(secret), timeline);

            bus.publish(new BuildFailed(env, wf, build.commit(), "web", "RUN echo " + secret + " failed", List.of()));
            String failed = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> given().get("/api/environments/" + env).then().extract().asString(),
                            e -> e.contains("\"FAILED\""));
            assertTrue(failed.contains("RUN echo ******** failed") && !failed.contains(secret), failed);
            String workflow = given().get("/api/workflows/" + wf).then().statusCode(200).extract().asString();
            assertTrue(workflow.contains("RUN echo ******** failed") && !workflow.contains(secret), workflow);
        }
    }

    /**
     * A browser's EventSource cannot send the Authorization header: a stream ticket opens the event and log streams
     * in its place, and nothing else, until it expires or its token is revoked. {@code ?named=false} sends the
     * events as plain messages, their type in the data.
     */
    @Test
    void aStreamTicketOpensTheStreamsOnlyWhileItAndItsTokenAreValid() throws Exception {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        try (TestBus bus = new TestBus()) {
            BuildRequested build = openPullRequest(bus, repo, app);
            String env = build.environmentId();
            String ticket = given().post("/api/stream-tickets").then().statusCode(201).extract().path("ticket");
            try (Stream stream = new Stream("api/environments/" + env + "/events?named=false&ticket=" + ticket, null,
                    null)) {
                assertEquals(200, stream.status);
                JsonNode started = stream.await("message",
                        () -> bus.publish(new TaskStarted(env, build.workflowId(), "services.web")));
                assertEquals("dev.stagecraft.task.started.v1", started.path("type").asText());
            }
            try (Stream logs = new Stream("api/workflows/" + build.workflowId() + "/logs/stream?ticket=" + ticket, null,
                    null)) {
                assertEquals(200, logs.status, "the log stream takes the ticket too");
            }
            HttpResponse<String> elsewhere = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(base + "api/environments/" + env + "?ticket=" + ticket)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, elsewhere.statusCode(), "a ticket opens streams only: " + elsewhere.body());

            expire(ticket);
            try (Stream expired = new Stream("api/events?ticket=" + ticket, null, null)) {
                assertEquals(401, expired.status);
            }
            io.restassured.path.json.JsonPath created = given().contentType("application/json")
                    .body(java.util.Map.of("name", "ticket " + repo, "role", "viewer")).post("/api/tokens").then()
                    .statusCode(201).extract().jsonPath();
            io.restassured.RestAssured.given().header("Authorization", "Bearer " + created.getString("token"))
                    .get("/api/me").then().statusCode(200).body("role", org.hamcrest.Matchers.equalTo("viewer"))
                    .body("token", org.hamcrest.Matchers.equalTo("ticket " + repo));
            String ofViewer = io.restassured.RestAssured.given().header("Authorization", "Bearer "
                    + created.getString("token")).post("/api/stream-tickets").then().statusCode(201).extract()
                    .path("ticket");
            given().delete("/api/tokens/" + created.getString("id")).then().statusCode(204);
            try (Stream revoked = new Stream("api/events?ticket=" + ofViewer, null, null)) {
                assertEquals(401, revoked.status, "a revoked token's tickets go with it");
            }
        }
    }

    @Inject
    jakarta.persistence.EntityManager em;

    private void expire(String ticket) {
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("update stream_ticket set expires_at = now() - interval '1 second' where ticket_hash = ?1")
                .setParameter(1, dev.stagecraft.gateway.auth.ApiToken.hash(ticket)).executeUpdate());
    }

    /**
     * A workflow's output as a stream: the stored lines, then new ones as they come, each with its line id, so a
     * resumed stream starts after the last line it got; the workflow's end closes the stream with an end event.
     */
    @Test
    void aWorkflowsLogStreamSendsItsLinesLiveResumesAndEndsWithTheWorkflow() throws Exception {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        try (TestBus bus = new TestBus()) {
            BuildRequested build = openPullRequest(bus, repo, app);
            String env = build.environmentId();
            String wf = build.workflowId();
            bus.publish(new LogLine(env, wf, "web", "line one"));
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    given().get("/api/workflows/" + wf + "/logs").then().extract().asString(), l -> l.contains("one"));
            String firstId;
            try (Stream stream = new Stream("api/workflows/" + wf + "/logs/stream", null)) {
                JsonNode stored = stream.await("log", () -> { });
                assertEquals("line one", stored.path("line").asText());
                assertEquals("web", stored.path("source").asText());
                firstId = stored.path("id").asText();
                JsonNode live = stream.await("log", () -> bus.publish(new LogLine(env, wf, "web", "line two")));
                assertEquals("line two", live.path("line").asText());
            }
            try (Stream resumed = new Stream("api/workflows/" + wf + "/logs/stream", firstId)) {
                assertEquals("line two", resumed.await("log", () -> { }).path("line").asText(),
                        "resumed after the line it names");
                bus.publish(new BuildFailed(env, wf, build.commit(), "web", "exit code 1", List.of()));
                JsonNode end = resumed.await("end", () -> { });
                assertEquals("FAILED", end.path("status").asText());
            }
        }
        given().get("/api/workflows/no-such-workflow/logs/stream").then().statusCode(404);
    }
}
