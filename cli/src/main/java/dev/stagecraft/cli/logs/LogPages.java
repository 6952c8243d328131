package dev.stagecraft.cli.logs;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.output.Printer;

/**
 * A workflow's output ({@code GET /api/workflows/{id}/logs}), printed page by page from where the last page ended:
 * {@code source | line} for people, one JSON object per line with {@code -o json}.
 */
final class LogPages {

    private static final int PAGE = 1000;

    private final GatewayApi api;
    private final String workflowId;
    private final String source;
    private final Printer printer;
    private long after;
    private int sourceWidth;

    LogPages(GatewayApi api, String workflowId, String source, Printer printer) {
        this.api = api;
        this.workflowId = workflowId;
        this.source = source;
        this.printer = printer;
    }

    /** Prints the lines stored since the last call; returns how many. */
    int printNew() {
        int printed = 0;
        while (true) {
            JsonNode page = api.get("/api/workflows/" + Query.encode(workflowId) + "/logs", Query.of()
                    .and("source", source).and("after", after).and("limit", PAGE)).json();
            for (JsonNode line : page.path("lines")) {
                print(line);
                after = line.path("id").asLong(after);
                printed++;
            }
            if (!page.hasNonNull("next")) {
                return printed;
            }
        }
    }

    private void print(JsonNode line) {
        if (printer.json()) {
            printer.jsonLine(line);
            return;
        }
        String text = line.path("line").asText("");
        if (!line.hasNonNull("source")) {
            printer.line(text);
            return;
        }
        String name = line.get("source").asText();
        sourceWidth = Math.max(sourceWidth, name.length());
        printer.line(name + " ".repeat(sourceWidth - name.length()) + " | " + text);
    }
}
