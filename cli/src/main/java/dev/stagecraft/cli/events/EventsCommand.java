package dev.stagecraft.cli.events;

import java.io.IOException;
import java.time.Duration;
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
 * already happened to it. When the stream ends or breaks, the command reconnects with {@code Last-Event-ID} (the gateway
 * first sends the events recorded after it), up to {@value #RECONNECTS} times in a row without a new event.
 */
@Command(name = "events", description = {"With -f, prints lifecycle events as they happen, one per line: of every"
        + " environment, or of one with --environment.",
    "Without -f, prints the timeline of the environment --environment names."})
public final class EventsCommand implements Callable<Integer> {

    /** Reconnections in a row that bring no event before the command gives up. */
    static final int RECONNECTS = 3;
    static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

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

    private int stream(GatewayApi api) {
        Printer printer = root.printer(spec);
        String path = environment == null ? "/api/events"
                : "/api/environments/" + Query.encode(environment) + "/events";
        // the all-events route filters by type itself; one environment's stream is filtered here
        Query query = environment == null ? Query.of().and("type", type) : Query.of();
        int printed = 0;
        String lastId = null;
        int reconnects = 0;
        while (true) {
            String ended;
            String code;
            try (ServerSentEvents events = api.stream(path, query, lastId)) {
                ServerSentEvents.Event event;
                while ((event = events.next()) != null) {
                    if (event.id() != null) {
                        lastId = event.id();
                        reconnects = 0; // the stream works again
                    }
                    if (wanted(event.name())) {
                        print(printer, event);
                        printed++;
                    }
                }
                code = "stream_closed";
                ended = "the gateway closed the event stream";
            } catch (IOException e) {
                code = "stream_lost";
                ended = "the event stream from " + api.base() + " broke (" + e.getMessage() + ")";
            } catch (ApiFailure e) {
                if (lastId == null || e.exitCode() != ExitCode.UNAVAILABLE) {
                    throw e; // the first request, or an answer that will not change (401, 404)
                }
                code = "stream_lost";
                ended = e.getMessage();
            }
            if (lastId == null || reconnects == RECONNECTS) {
                throw new ApiFailure(0, code, ended + " after " + printed + " events"
                        + (lastId == null ? "" : "; " + RECONNECTS + " reconnections from event " + lastId
                                + " brought nothing new"), List.of(), ExitCode.UNAVAILABLE);
            }
            reconnects++;
            root.err(spec).println(ended + "; reconnecting from event " + lastId + " (" + reconnects + " of "
                    + RECONNECTS + ")");
            root.err(spec).flush();
            try {
                Thread.sleep(RECONNECT_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCode.UNAVAILABLE.code();
            }
        }
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
