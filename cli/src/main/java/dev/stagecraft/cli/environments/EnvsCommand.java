package dev.stagecraft.cli.environments;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.Page;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.UsageException;
import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Details;
import dev.stagecraft.cli.output.ScheduleText;
import dev.stagecraft.cli.output.Table;

/**
 * {@code stagecraft envs}: lists and shows environments and takes the actions of {@code /api/environments}, each
 * with the body its route expects. An action prints the environment as the gateway left it.
 */
@Command(name = "envs", description = "Lists, shows, creates, deploys, sets up, extends, approves and deletes"
        + " environments.")
public final class EnvsCommand {

    private static final String ENVIRONMENTS = "/api/environments";

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "Lists environments, newest first.")
    void list(@Option(names = "--app", paramLabel = "<application>", description = "Of this application (name or"
            + " id).") String application,
            @Option(names = "--state", paramLabel = "<state>", description = "In this state: PENDING, BUILDING,"
                    + " SETTING_UP, PATCHING, READY, FAILED, TEARING_DOWN or DELETED.") String state,
            @Option(names = "--branch", paramLabel = "<branch>", description = "Of this branch.") String branch,
            @Mixin Page page) {
        Answer answer = root.gateway().get(ENVIRONMENTS, page.addTo(Query.of().and("application", application)
                .and("state", state).and("branch", branch)));
        root.printer(spec).print(answer, EnvsCommand::table);
        page.mentionNext(answer, root.err(spec));
    }

    @Command(name = "show", description = "Shows an environment: state, commits, endpoints and recent workflows.")
    void show(@Parameters(paramLabel = "<id>", description = "The environment's id.") String id) {
        root.printer(spec).print(root.gateway().get(path(id), Query.of()), EnvsCommand::details);
    }

    @Command(name = "create", description = "Creates an environment for a branch (deployer role).")
    void create(@Option(names = "--app", required = true, paramLabel = "<application>",
            description = "The application (name or id).") String application,
            @Option(names = "--branch", required = true, paramLabel = "<branch>") String branch,
            @Option(names = "--commit", paramLabel = "<sha>", description = "The commit to deploy (default: the"
                    + " branch's head).") String commit,
            @Option(names = "--kind", paramLabel = "<kind>", description = "permanent or ephemeral (default:"
                    + " permanent for the tracking branch).") String kind) {
        ObjectNode body = Json.object().put("application", application).put("branch", branch);
        putIfGiven(body, "commit", commit);
        putIfGiven(body, "kind", kind);
        act(root.gateway().post(ENVIRONMENTS, body));
    }

    @Command(name = "deploy", description = "Deploys a commit, or the head of the environment's branch (deployer"
            + " role).")
    void deploy(@Parameters(paramLabel = "<id>") String id,
            @Option(names = "--commit", paramLabel = "<sha>", description = "The full 40-character commit id"
                    + " (default: the branch's head).") String commit) {
        act(root.gateway().post(path(id) + "/deploy", commit == null ? null : Json.object().put("commit", commit)));
    }

    @Command(name = "setup", description = "Re-runs setup with a spec freshly resolved from the application's"
            + " templates (deployer role).")
    void setup(@Parameters(paramLabel = "<id>") String id) {
        act(root.gateway().post(path(id) + "/setup", null));
    }

    @Command(name = "extend", description = "Pushes an ephemeral environment's expiry back (deployer role).")
    void extend(@Parameters(paramLabel = "<id>") String id,
            @Option(names = "--by", paramLabel = "<duration>", description = "12h, 2d, 90m or ISO-8601 (PT12H);"
                    + " default: the installation's TTL. Never beyond its max-ttl from now.") String by) {
        act(root.gateway().post(path(id) + "/extend", by == null ? null : Json.object().put("by",
                Durations.iso("--by", by))));
    }

    @Command(name = "pause", description = "Pauses an environment: its services stop, everything else stays; a push"
            + " meanwhile is deployed after the resume (deployer role).")
    void pause(@Parameters(paramLabel = "<id>") String id) {
        act(root.gateway().post(path(id) + "/pause", null));
    }

    @Command(name = "resume", description = "Resumes a paused environment with the commit it had (deployer role).")
    void resume(@Parameters(paramLabel = "<id>") String id) {
        act(root.gateway().post(path(id) + "/resume", null));
    }

    @Command(name = "schedule", description = {"Sets the environment's own pause schedule, which wins over its"
            + " application's (deployer role).", "--none: never paused by a schedule; --inherit: the application's"
            + " schedule again."})
    void schedule(@Parameters(paramLabel = "<id>") String id, @Mixin ScheduleOptions schedule,
            @Option(names = "--none", description = "No schedule for this environment.") boolean none,
            @Option(names = "--inherit", description = "Follow the application's schedule.") boolean inherit) {
        if ((none ? 1 : 0) + (inherit ? 1 : 0) + (schedule.given() ? 1 : 0) != 1) {
            throw new UsageException("give one of: --pause-at HH:MM --resume-at HH:MM, --weekends, --none or"
                    + " --inherit");
        }
        String path = path(id) + "/pause-schedule";
        act(inherit ? root.gateway().delete(path)
                : root.gateway().put(path, none ? Json.object().put("none", true) : schedule.body()));
    }

    @Command(name = "approve", description = "Lets a pull request from a fork build the commit that was reviewed"
            + " (deployer role).")
    void approve(@Parameters(paramLabel = "<id>") String id,
            @Option(names = "--commit", required = true, paramLabel = "<sha>", description = "The commit that was"
                    + " reviewed: its full id or at least 7 characters.") String commit) {
        act(root.gateway().post(path(id) + "/approve", Json.object().put("commit", commit)));
    }

    @Command(name = "delete", description = "Tears an environment down, again if an earlier teardown failed"
            + " (deployer role).")
    void delete(@Parameters(paramLabel = "<id>") String id) {
        act(root.gateway().delete(path(id)));
    }

    private void act(Answer answer) {
        root.printer(spec).print(answer, env -> {
            Table table = header();
            row(table, env);
            return table.render();
        });
    }

    private static String path(String id) {
        return ENVIRONMENTS + "/" + Query.encode(id);
    }

    private static void putIfGiven(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    private static String table(JsonNode environments) {
        Table table = header();
        environments.forEach(env -> row(table, env));
        return table.render();
    }

    private static Table header() {
        return new Table("ID", "APPLICATION", "KIND", "BRANCH", "PR", "STATE", "DEPLOYED", "EXPIRES");
    }

    private static void row(Table table, JsonNode env) {
        String state = Cells.text(env.get("state"));
        if (env.path("awaitingApproval").asBoolean()) {
            state = state + " (awaiting approval)";
        }
        if (env.hasNonNull("queuePosition")) {
            state = state + " (#" + env.get("queuePosition").asInt() + ")";
        }
        table.row(Cells.text(env.get("id")), Cells.text(env.get("application")), Cells.text(env.get("kind")),
                Cells.text(env.get("branch")), Cells.text(env.get("pullRequest")), state,
                Cells.commit(env.get("deployedCommit")), Cells.time(env.get("expiresAt")));
    }

    private static String details(JsonNode env) {
        Details details = new Details().field("ID", Cells.text(env.get("id")))
                .field("Application", Cells.text(env.get("application"))).field("Kind", Cells.text(env.get("kind")))
                .field("Branch", Cells.text(env.get("branch")))
                .field("Pull request", Cells.text(env.get("pullRequest")))
                .field("State", Cells.text(env.get("state")))
                .field("Queue position", env.hasNonNull("queuePosition") ? env.get("queuePosition").asInt()
                        + " (starts when a running environment of its application stops)" : "-")
                .field("Build slot", env.hasNonNull("buildQueuePosition") ? "waiting, position "
                        + env.get("buildQueuePosition").asInt() : "-")
                .field("Quota", Cells.text(env.get("quotaNote")))
                .field("Awaiting approval", env.path("awaitingApproval").asBoolean() ? "yes" : "no")
                .field("Desired commit", Cells.text(env.get("desiredCommit")))
                .field("Deployed commit", Cells.text(env.get("deployedCommit")))
                .field("Failure", Cells.text(env.get("failureReason")))
                .field("Active workflow", Cells.text(env.get("activeWorkflow")))
                .field("Expires", Cells.time(env.get("expiresAt")))
                .field("Pause schedule", ScheduleText.of(env.get("pauseSchedule"))
                        + (env.hasNonNull("pauseScheduleFrom") ? " (" + env.get("pauseScheduleFrom").asText() + ")" : "")
                        + (env.hasNonNull("pausedBy") ? "; paused by " + env.get("pausedBy").asText() : ""))
                .field("Last request", Cells.time(env.get("lastRequestAt")))
                .field("Imports", imports(env.get("imports")))
                .field("Created", Cells.time(env.get("createdAt")))
                .field("Updated", Cells.time(env.get("updatedAt")))
                .field("Runs as root", Cells.list(env.get("runAsRoot")));
        StringBuilder out = new StringBuilder(details.render());
        if (env.path("endpoints").size() > 0) {
            Table endpoints = new Table("SERVICE", "URL");
            env.get("endpoints").properties().forEach(e -> endpoints.row(e.getKey(), e.getValue().asText()));
            out.append("\nEndpoints:\n").append(endpoints.render());
        }
        if (env.path("workflows").size() > 0) {
            Table workflows = new Table("WORKFLOW", "STAGE", "STATUS", "COMMIT", "STARTED", "FINISHED", "REASON");
            for (JsonNode wf : env.get("workflows")) {
                workflows.row(Cells.text(wf.get("id")), Cells.text(wf.get("stage")), Cells.text(wf.get("status")),
                        Cells.commit(wf.get("commit")), Cells.time(wf.get("startedAt")),
                        Cells.time(wf.get("finishedAt")), Cells.text(wf.get("reason")));
            }
            out.append("\nWorkflows:\n").append(workflows.render());
        }
        return out.toString();
    }

    /** {@code backend main@1a2b3c4, payments HEAD@…}: each imported application, the branch and commit last built. */
    private static String imports(JsonNode imports) {
        if (imports == null || !imports.isArray() || imports.isEmpty()) {
            return "-";
        }
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (JsonNode i : imports) {
            String commit = i.path("commit").asText("");
            parts.add(i.path("application").asText() + " " + i.path("branch").asText() + "@"
                    + commit.substring(0, Math.min(7, commit.length())));
        }
        return String.join(", ", parts);
    }
}
