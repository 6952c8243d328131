package dev.stagecraft.cli.applications;

import java.io.PrintWriter;
import java.nio.file.Path;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.cli.InputFiles;
import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.Page;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.UsageException;
import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.ApiFailure;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Details;
import dev.stagecraft.cli.output.ScheduleText;
import dev.stagecraft.cli.output.Table;

/** {@code stagecraft apps}: registers, lists and shows applications and their templates ({@code /api/applications}). */
@Command(name = "apps", description = "Registers, lists and shows applications and their templates.")
public final class AppsCommand {

    private static final String APPLICATIONS = "/api/applications";

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    /** Where the Application Template comes from: a template in Release's format or a docker-compose file. */
    static final class TemplateFile {

        @Option(names = "--template", paramLabel = "<file>", required = true,
                description = "An Application Template in Release's format.")
        Path template;

        @Option(names = "--compose", paramLabel = "<file>", required = true,
                description = "A docker-compose file; the gateway imports it into a template.")
        Path compose;

        String text() {
            return template != null ? InputFiles.read(template, "--template") : InputFiles.read(compose, "--compose");
        }
    }

    /** Where the webhook secret comes from: the command line, or a file that keeps it out of the process list. */
    static final class WebhookSecret {

        @Option(names = "--webhook-secret", paramLabel = "<secret>", required = true,
                description = "The secret the git host signs webhooks with (at least 8 characters). Visible to"
                        + " other users in the process list: prefer --webhook-secret-file.")
        String value;

        @Option(names = "--webhook-secret-file", paramLabel = "<file>", required = true,
                description = "A file holding the webhook secret (its first line).")
        Path file;

        String text() {
            if (value != null) {
                return value;
            }
            String text = InputFiles.read(file, "--webhook-secret-file");
            String first = text.lines().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw new UsageException("--webhook-secret-file " + file + ": the first line is empty");
            }
            return first;
        }
    }

    @Command(name = "list", description = "Lists applications, newest first.")
    void list(@Mixin Page page) {
        Answer answer = root.gateway().get(APPLICATIONS, page.addTo(Query.of()));
        root.printer(spec).print(answer, AppsCommand::table);
        page.mentionNext(answer, root.err(spec));
    }

    @Command(name = "show", description = "Shows an application (its webhook secret and secret variables masked).")
    void show(@Parameters(paramLabel = "<id>", description = "The application's id.") String id) {
        root.printer(spec).print(root.gateway().get(APPLICATIONS + "/" + Query.encode(id), Query.of()),
                AppsCommand::details);
    }

    @Command(name = "register", description = "Registers an application (admin role).")
    void register(@Parameters(paramLabel = "<name>", description = "Lower-case letters, digits and '-', at most 63"
            + " characters.") String name,
            @Option(names = "--repository", required = true, paramLabel = "<url>",
                    description = "The repository's http(s), git, ssh or file URL.") String repository,
            @Option(names = "--provider", paramLabel = "<provider>",
                    description = "github (the API's default), gitlab or bitbucket.") String provider,
            @ArgGroup(exclusive = true, multiplicity = "1") WebhookSecret webhookSecret,
            @ArgGroup(exclusive = true, multiplicity = "1") TemplateFile template,
            @Option(names = "--variables", paramLabel = "<file>",
                    description = "An Environment Variables Template.") Path variables,
            @Option(names = "--runtime", paramLabel = "<runtime>",
                    description = "docker or kubernetes, among those the installation enables (default: its"
                            + " default runtime).") String runtime,
            @Option(names = "--pull-request-label", paramLabel = "<label>",
                    description = "Only pull requests with this label get an environment (github, gitlab).")
            String pullRequestLabel) {
        ObjectNode body = Json.object().put("name", name);
        ObjectNode repo = body.putObject("repository").put("url", repository);
        if (provider != null) {
            repo.put("provider", provider);
        }
        body.put("webhookSecret", webhookSecret.text()).put("template", template.text());
        putIfGiven(body, "environmentVariables", InputFiles.read(variables, "--variables"));
        putIfGiven(body, "runtime", runtime);
        putIfGiven(body, "pullRequestLabel", pullRequestLabel);
        Answer answer = root.gateway().post(APPLICATIONS, body);
        warnAbout(answer.json(), template);
        root.printer(spec).print(answer, AppsCommand::details);
    }

    @Command(name = "template", description = "Prints an application's Application Template in Release's format"
            + " (generated, for a docker-compose file).")
    void template(@Parameters(paramLabel = "<id>", description = "The application's id.") String id) {
        String text = root.gateway().getText(APPLICATIONS + "/" + Query.encode(id) + "/template",
                "application/yaml").body();
        root.printer(spec).text(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
    }

    @Command(name = "set-template", description = {"Replaces an application's templates (admin role). Existing"
            + " environments keep their spec until their setup is re-run (stagecraft envs setup).",
        "The Environment Variables Template is replaced too: without --variables the application has none."})
    void setTemplate(@Parameters(paramLabel = "<id>", description = "The application's id.") String id,
            @ArgGroup(exclusive = true, multiplicity = "1") TemplateFile template,
            @Option(names = "--variables", paramLabel = "<file>",
                    description = "An Environment Variables Template.") Path variables) {
        ObjectNode body = Json.object().put("template", template.text());
        putIfGiven(body, "environmentVariables", InputFiles.read(variables, "--variables"));
        Answer answer = root.gateway().put(APPLICATIONS + "/" + Query.encode(id) + "/template", body);
        warnAbout(answer.json(), template);
        root.printer(spec).print(answer, AppsCommand::details);
    }

    @Command(name = "schedule", description = {"Sets the pause schedule the application's ephemeral environments"
            + " follow unless they set their own (admin role).", "--remove: no schedule."})
    void schedule(@Parameters(paramLabel = "<id>", description = "The application's id.") String id,
            @Mixin dev.stagecraft.cli.environments.ScheduleOptions schedule,
            @Option(names = "--remove", description = "Remove the schedule.") boolean remove) {
        if (remove == schedule.given()) {
            throw new UsageException("give either --pause-at HH:MM --resume-at HH:MM or --weekends, or --remove");
        }
        String path = APPLICATIONS + "/" + Query.encode(id) + "/pause-schedule";
        root.printer(spec).print(remove ? root.gateway().delete(path) : root.gateway().put(path, schedule.body()),
                AppsCommand::details);
    }

    @Command(name = "sleep", description = {"Lets the application's environments sleep when the router had no"
            + " request for them for a while; the next request wakes them (admin role, Docker runtime).",
            "--remove: they no longer sleep."})
    void sleep(@Parameters(paramLabel = "<id>", description = "The application's id.") String id,
            @Option(names = "--after", paramLabel = "<duration>", description = "Idle time before sleeping: 30m, 2h,"
                    + " or ISO-8601 (PT30M).") String after,
            @Option(names = "--remove", description = "Remove the idle timeout.") boolean remove) {
        if (remove == (after != null)) {
            throw new UsageException("give either --after <duration> or --remove");
        }
        String path = APPLICATIONS + "/" + Query.encode(id) + "/sleep";
        Answer answer;
        if (remove) {
            answer = root.gateway().delete(path);
        } else {
            ObjectNode body = Json.object();
            body.put("idleAfter", dev.stagecraft.cli.environments.Durations.iso("--after", after));
            answer = root.gateway().put(path, body);
        }
        root.printer(spec).print(answer, AppsCommand::details);
    }

    @Command(name = "limits", description = {"Sets the application's quotas (admin role): at most so many of its"
            + " environments running and builds at once, and what a new pull request past the limit does: queue (it"
            + " waits, QUEUED, until one stops) or evict (the least recently used pull request environment is paused,"
            + " or torn down when it already was).", "Options not given have no limit. --remove: no limits of its own"
            + " (the installation's still apply)."})
    void limits(@Parameters(paramLabel = "<id>", description = "The application's id.") String id,
            @Option(names = "--max-running", paramLabel = "<n>",
                    description = "At most this many running environments (QUEUED and PAUSED ones do not count).")
            Integer maxRunning,
            @Option(names = "--max-builds", paramLabel = "<n>", description = "At most this many builds at once;"
                    + " the others wait in order.") Integer maxBuilds,
            @Option(names = "--overflow", paramLabel = "<policy>", description = "queue or evict (default: the"
                    + " installation's policy).") String overflow,
            @Option(names = "--remove", description = "Remove the application's limits.") boolean remove) {
        boolean given = maxRunning != null || maxBuilds != null || overflow != null;
        if (remove == given) {
            throw new UsageException("give --max-running <n>, --max-builds <n> and/or --overflow queue|evict, or"
                    + " --remove");
        }
        String path = APPLICATIONS + "/" + Query.encode(id) + "/limits";
        if (remove) {
            root.printer(spec).print(root.gateway().delete(path), AppsCommand::details);
            return;
        }
        ObjectNode body = Json.object();
        if (maxRunning != null) {
            body.put("maxRunningEnvironments", maxRunning);
        }
        if (maxBuilds != null) {
            body.put("maxConcurrentBuilds", maxBuilds);
        }
        putIfGiven(body, "overflow", overflow);
        root.printer(spec).print(root.gateway().put(path, body), AppsCommand::details);
    }

    private void warnAbout(JsonNode app, TemplateFile template) {
        PrintWriter err = root.err(spec);
        String format = app.path("templateFormat").asText();
        if (template.compose != null && !"compose".equals(format)) {
            err.println("warning: " + template.compose + " was not recognised as a docker-compose file (it has no"
                    + " top-level 'services' mapping of compose services); it was taken as a Release template");
        }
        app.path("warnings").forEach(w -> err.println("warning: " + ApiFailure.describe(w)));
        err.flush();
    }

    private static void putIfGiven(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    /** The application's quotas in words: "3 running environments (evict), 1 build at a time", or "-". */
    static String limits(JsonNode limits) {
        if (limits == null || limits.isNull() || limits.isMissingNode()) {
            return "-";
        }
        String running = limits.hasNonNull("maxRunningEnvironments") ? limits.get("maxRunningEnvironments").asInt()
                + " running environments" : "any number of running environments";
        String builds = limits.hasNonNull("maxConcurrentBuilds") ? limits.get("maxConcurrentBuilds").asInt()
                + (limits.get("maxConcurrentBuilds").asInt() == 1 ? " build" : " builds") + " at a time"
                : "any number of builds";
        String policy = limits.hasNonNull("overflow") ? " (past it: " + limits.get("overflow").asText() + ")"
                : " (past it: the installation's policy)";
        return running + policy + ", " + builds;
    }

    private static String table(JsonNode apps) {
        Table table = new Table("ID", "NAME", "PROVIDER", "RUNTIME", "REPOSITORY", "CREATED");
        for (JsonNode app : apps) {
            table.row(Cells.text(app.get("id")), Cells.text(app.get("name")),
                    Cells.text(app.path("repository").get("provider")), Cells.text(app.get("runtime")),
                    Cells.text(app.path("repository").get("url")), Cells.time(app.get("createdAt")));
        }
        return table.render();
    }

    private static String details(JsonNode app) {
        return new Details().field("ID", Cells.text(app.get("id"))).field("Name", Cells.text(app.get("name")))
                .field("Repository", Cells.text(app.path("repository").get("url")))
                .field("Provider", Cells.text(app.path("repository").get("provider")))
                .field("Runtime", Cells.text(app.get("runtime")))
                .field("Pull request label", Cells.text(app.get("pullRequestLabel")))
                .field("Template format", Cells.text(app.get("templateFormat")))
                .field("Services", Cells.list(app.get("services")))
                .field("Pause schedule", ScheduleText.of(app.get("pauseSchedule")))
                .field("Idle sleep", Cells.text(app.get("sleepAfter")))
                .field("Limits", limits(app.get("limits")))
                .field("Warnings", app.path("warnings").size())
                .field("Created", Cells.time(app.get("createdAt"))).render();
    }
}
