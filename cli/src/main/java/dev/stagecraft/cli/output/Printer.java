package dev.stagecraft.cli.output;

import java.io.PrintWriter;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.gateway.Answer;

/**
 * Writes what a command shows on standard output: a table or details for people, or with {@code -o json} the API's
 * JSON as it came, pretty. Streams (logs, events) print one JSON object per line instead. Every write is flushed, so
 * a followed stream shows each line as it arrives.
 */
public final class Printer {

    private final PrintWriter out;
    private final OutputFormat format;

    public Printer(PrintWriter out, OutputFormat format) {
        this.out = out;
        this.format = format;
    }

    public boolean json() {
        return format == OutputFormat.JSON;
    }

    /** The answer's JSON, pretty, with {@code -o json}; else what {@code forPeople} makes of it. */
    public void print(Answer answer, Function<JsonNode, String> forPeople) {
        text(json() ? Json.pretty(answer.json()) + "\n" : forPeople.apply(answer.json()));
    }

    /** One JSON object on one line, for a stream with {@code -o json}. */
    public void jsonLine(JsonNode node) {
        line(Json.compact(node));
    }

    public void line(String line) {
        out.println(line);
        out.flush();
    }

    /** Text as it is (rendered tables and details end with a newline). */
    public void text(String text) {
        out.print(text);
        out.flush();
    }
}
