package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.LogLine;
import dev.stagecraft.events.TaskFinished;
import dev.stagecraft.events.TaskStarted;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class WorkflowViewTest {

    @Test
    void aWorkflowShowsItsTasksAndItsOutputPageByPage() throws InterruptedException {
        String repo = Apps.uniqueRepo();
        String app = Apps.register(repo);
        ObjectNode opened = Hooks.forRepository("pull_request-opened.json", repo);
        try (TestBus bus = new TestBus()) {
            Hooks.send("pull_request", opened).statusCode(202);
            String env = given().queryParam("application", app).get("/api/environments").then().extract().path("[0].id");
            BuildRequested build = (BuildRequested) bus.await(BuildRequested.class, env).data();
            String wf = build.workflowId();
            bus.publish(new BuildStarted(env, wf, build.commit()));
            bus.publish(new TaskStarted(env, wf, "services.web"));
            bus.publish(new TaskStarted(env, wf, "services.api"));
            for (int i = 1; i <= 30; i++) {
                bus.publish(new LogLine(env, wf, i % 2 == 0 ? "web" : "api", "step " + i));
            }
            LogLine redelivered = new LogLine(env, wf, "web", "x".repeat(5000));
            bus.publishTwice(redelivered);
            bus.publish(new TaskFinished(env, wf, "services.web", "SUCCEEDED", null));
            bus.publish(new TaskFinished(env, wf, "services.api", "FAILED", "exit code 2"));

            JsonPath view = await(wf, v -> v.getInt("logs.total") == 31 && v.getList("tasks").size() == 2
                    && v.getList("tasks.status").equals(List.of("SUCCEEDED", "FAILED")));
            assertEquals(env, view.getString("environment"));
            assertEquals("BUILD", view.getString("workflow.stage"));
            assertEquals("exit code 2", view.getString("tasks[1].message"));
            assertEquals("step 1", view.getString("logs.lines[0].line"));
            assertEquals("api", view.getString("logs.lines[0].source"));
            String last = view.getString("logs.lines[30].line");
            assertEquals(4000 + " [cut at 4000 characters]".length(), last.length(), "long lines are cut");

            JsonPath first = given().queryParam("limit", 10).get("/api/workflows/" + wf + "/logs").then()
                    .statusCode(200).extract().jsonPath();
            assertEquals(10, first.getList("lines").size());
            JsonPath second = given().queryParam("limit", 10).queryParam("after", first.getLong("next"))
                    .get("/api/workflows/" + wf + "/logs").then().extract().jsonPath();
            assertEquals("step 11", second.getString("lines[0].line"));
            JsonPath web = given().queryParam("source", "web").get("/api/workflows/" + wf + "/logs").then().extract()
                    .jsonPath();
            assertEquals(16, web.getList("lines").size(), "15 lines and the long one come from web");
            assertNull(web.get("next"));
        }
        given().get("/api/workflows/no-such-workflow").then().statusCode(404);
        given().queryParam("limit", 0).get("/api/workflows/x/logs").then().statusCode(404);
    }

    private static JsonPath await(String wf, java.util.function.Predicate<JsonPath> done) {
        return Api.awaitBody("/api/workflows/" + wf, done);
    }

}
