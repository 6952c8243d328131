package dev.stagecraft.cli.events;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.Page;
import dev.stagecraft.cli.Stagecraft;
import dev.stagecraft.cli.UsageException;
import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.ApiFailure;
import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.gateway.ServerSentEvents;
import dev.stagecraft.cli.output.Cells;
import dev.stagecraft.cli.output.Printer;
import dev.stagecraft.cli.output.Table;

/**
 * {@code stagecraft events}: with {@code -f}, the lifecycle's Server-Sent Events from now on ({@code /api/events},
 * or {@code /api/environments/{id}/events}), one per line; without it, an environment's timeline, the events that
 * already happened to it. The gateway streams from the moment of the request and replays nothing, so there is no
 * resuming from a {@code Last-Event-ID}: when the stream ends, the command says so and exits.
 */
@Command(name = "events", description = {"With -f, prints lifecycle events as they happen, one per line: of every"
        + " environment, or of one with --environment.",
    "Without -f, prints the timeline of the environment --environment names."})
public final class EventsCommand implements Callable<Integer> {

    @ParentCommand
    Stagecraft root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--follow"}, description = "Follow the event stream until it ends or Ctrl-C.")
    boolean follow;

    @Option(names = "--environment", paramLabel = "<id>", description = "Only this environment's events.")
    String environment;

    @Option(names = "--type", paramLabel = "<prefix>", description = "Only events whose type starts with this"
            + " (e.g. dev.stagecraft.build).")
    String type;

    @Mixin
    Page page;

    @Override
    public Integer call() throws IOException {
        GatewayApi api = root.gateway();
        if (!follow) {
            if (environment == null) {
                throw new UsageException("events without -f needs --environment <id>: the gateway keeps a timeline"
                        + " per environment only; -f follows every environment's events from now on");
            }
            timeline(api);
            return ExitCode.OK.code();
        }
        return stream(api);
    }

    private void timeline(GatewayApi api) {
        Answer answer = api.get("/api/environments/" + Query.encode(environment) + "/timeline",
                page.addTo(Query.of()));
        Printer printer = root.printer(spec);
        printer.print(answer, entries -> {
            Table table = new Table("AT", "TYPE", "WORKFLOW", "APPLIED");
            for (JsonNode entry : entries) {
                if (wanted(entry.path("type").asText())) {
                    table.row(Cells.time(entry.get("at")), Cells.text(entry.get("type")),
                            Cells.text(entry.get("workflowId")), entry.path("applied").asBoolean() ? "yes" : "no");
                }
            }
            return table.render();
        });
        page.mentionNext(answer, root.err(spec));
    }

    private int stream(GatewayApi api) throws IOException {
        Printer printer = root.printer(spec);
        String path = environment == null ? "/api/events"
                : "/api/environments/" + Query.encode(environment) + "/events";
        // the all-events route filters by type itself; one environment's stream is filtered here
        Query query = environment == null ? Query.of().and("type", type) : Query.of();
        int printed = 0;
        try (ServerSentEvents events = api.stream(path, query)) {
            ServerSentEvents.Event event;
            while ((event = events.next()) != null) {
                if (wanted(event.name())) {
                    print(printer, event);
                    printed++;
                }
            }
        } catch (IOException e) {
            throw new ApiFailure(0, "stream_lost", "the event stream from " + api.base() + " broke after "
                    + printed + " events: " + e.getMessage(), List.of(), ExitCode.UNAVAILABLE);
        }
        throw new ApiFailure(0, "stream_closed", "the gateway closed the event stream after " + printed
                + " events; run the command again to follow on (the gateway does not replay the events in between)",
                List.of(), ExitCode.UNAVAILABLE);
    }

    private boolean wanted(String eventType) {
        return type == null || (eventType != null && eventType.startsWith(type));
    }

    private static void print(Printer printer, ServerSentEvents.Event event) {
        JsonNode data;
        try {
            data = Json.parse(event.data());
        } catch (JsonProcessingException e) {
            printer.line(event.name() + "  " + event.data().replace('\n', ' '));
            return;
        }
        if (printer.json()) {
            printer.jsonLine(data);
            return;
        }
        StringBuilder line = new StringBuilder();
        line.append(Table.cell(Cells.time(data.get("time")))).append("  ")
                .append(Table.cell(data.hasNonNull("type") ? data.get("type").asText() : event.name())).append("  ")
                .append(Table.cell(Cells.text(data.get("subject"))));
        if (data.hasNonNull("workflowId")) {
            line.append("  workflow ").append(data.get("workflowId").asText());
        }
        printer.line(line.toString());
    }
}
