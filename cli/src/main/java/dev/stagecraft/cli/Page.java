package dev.stagecraft.cli;

import java.io.PrintWriter;

import picocli.CommandLine.Option;

import dev.stagecraft.cli.gateway.Answer;
import dev.stagecraft.cli.gateway.Query;

/**
 * The paging options of a list ({@code --limit}, {@code --after}), passed to the API as they are; when more follows,
 * the cursor of the next page is named on standard error.
 */
public final class Page {

    @Option(names = "--limit", paramLabel = "<n>", description = "At most this many (1 to 1000; the API's default:"
            + " 100).")
    Integer limit;

    @Option(names = "--after", paramLabel = "<cursor>", description = "The page after this cursor (named after a"
            + " page that has more).")
    String after;

    /** {@code query} with this page's parameters added. */
    public Query addTo(Query query) {
        return query.and("limit", limit).and("after", after);
    }

    /** Names the next page's cursor on {@code err} when the answer says there is one. */
    public void mentionNext(Answer answer, PrintWriter err) {
        String next = answer.header("X-Next-Cursor");
        if (next != null) {
            err.println("more: add --after " + next);
            err.flush();
        }
    }
}
