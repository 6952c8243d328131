package dev.stagecraft.cli.logs;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.gateway.ApiFailure;
import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.gateway.Query;

/**
 * {@code stagecraft logs}: a workflow's output, or the latest workflow's of an environment. With {@code -f} it
 * follows the workflow until it ends: the lines are fetched once a second (the logs route has no stream), the
 * workflow's status is asked for when the environment's event stream shows an event of it.
 */
@Command(name = "logs", description = {"Prints a workflow's output; for an environment, its latest workflow's.",
    "With -f, follows the workflow until it ends and exits 0 when it succeeded, 1 when it failed or was cancelled."})
public final class LogsCommand implements Callable<Integer> {

    private static final long POLL_MILLIS = 1000;
    /** Rounds of waiting for lines that were still on their way when the workflow ended. */
    private static final int STRAGGLER_ROUNDS = 5;

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "<environment-or-workflow>", description = "An environment's id or a workflow's id.")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Follow the workflow live until it ends.")
    boolean follow;

    @Option(names = "--source", paramLabel = "<source>", description = "Only the lines of this service's build or"
            + " of this task.")
    String source;

    /** The workflow whose output is shown, and what was last known of it. */
    private record Workflow(String id, String environmentId, String stage, String status, String reason) {

        static Workflow of(JsonNode view, String environmentId) {
            return new Workflow(view.path("id").asText(), environmentId, view.path("stage").asText(),
                    view.path("status").asText(), view.path("reason").asText(null));
        }

        boolean complete() {
            return !"RUNNING".equals(status);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        GatewayApi api = root.gateway();
        Workflow workflow = find(api);
        PrintWriter err = root.err(spec);
        err.println("workflow " + workflow.id() + ": " + workflow.stage() + " of " + workflow.environmentId() + ", "
                + workflow.status());
        err.flush();
        LogPages pages = new LogPages(api, workflow.id(), source, root.printer(spec));
        pages.printNew();
        if (!follow) {
            return ExitCode.OK.code();
        }
        if (!workflow.complete()) {
            workflow = followUntilEnd(api, workflow, pages);
        }
        if ("SUCCEEDED".equals(workflow.status())) {
            return ExitCode.OK.code();
        }
        err.println("workflow " + workflow.id() + " " + workflow.status()
                + (workflow.reason() == null ? "" : ": " + workflow.reason()));
        err.flush();
        return ExitCode.FAILED.code();
    }

    private Workflow followUntilEnd(GatewayApi api, Workflow workflow, LogPages pages) throws InterruptedException {
        Workflow now;
        try (WorkflowWatch watch = WorkflowWatch.start(api, workflow.environmentId(), workflow.id())) {
            // asked once the stream is open: an end before it shows here, an end after it comes as an event
            now = status(api, workflow);
            long nextCheck = System.nanoTime() + watch.checkEvery().toNanos();
            while (!now.complete()) {
                Thread.sleep(POLL_MILLIS);
                pages.printNew();
                if (watch.changed() || System.nanoTime() - nextCheck >= 0) {
                    now = status(api, workflow);
                    nextCheck = System.nanoTime() + watch.checkEvery().toNanos();
                }
            }
        }
        // lines travel apart from the lifecycle events: the last ones may reach the gateway after the end
        for (int round = 0; round < STRAGGLER_ROUNDS; round++) {
            Thread.sleep(POLL_MILLIS);
            if (pages.printNew() == 0) {
                break;
            }
        }
        return now;
    }

    private static Workflow status(GatewayApi api, Workflow workflow) {
        JsonNode detail = api.get("/api/workflows/" + Query.encode(workflow.id()), Query.of()).json();
        return Workflow.of(detail.path("workflow"), workflow.environmentId());
    }

    /** The environment's latest workflow when {@code id} is an environment, else the workflow {@code id}. */
    private Workflow find(GatewayApi api) {
        try {
            JsonNode env = api.get("/api/environments/" + Query.encode(id), Query.of()).json();
            JsonNode workflows = env.path("workflows");
            if (workflows.isEmpty()) {
                throw new ApiFailure(404, "no_workflow", "environment '" + id + "' has no workflow yet", List.of(),
                        ExitCode.NOT_FOUND);
            }
            return Workflow.of(workflows.get(workflows.size() - 1), id);
        } catch (ApiFailure e) {
            if (e.status() != 404 || !"not_found".equals(e.code())) {
                throw e;
            }
        }
        try {
            JsonNode detail = api.get("/api/workflows/" + Query.encode(id), Query.of()).json();
            return Workflow.of(detail.path("workflow"), detail.path("environment").asText());
        } catch (ApiFailure e) {
            if (e.status() == 404 && "not_found".equals(e.code())) {
                throw new ApiFailure(404, "not_found", "no environment or workflow with id '" + id + "'", List.of(),
                        ExitCode.NOT_FOUND);
            }
            throw e;
        }
    }
}
