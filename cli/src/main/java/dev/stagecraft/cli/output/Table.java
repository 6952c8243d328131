package dev.stagecraft.cli.output;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows under headers in aligned columns two spaces apart; an empty cell shows as {@code -}. */
public final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        this.headers = List.of(headers);
    }

    /** Adds a row of as many cells as there are headers; null cells show as {@code -}. */
    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells under " + headers.size()
                    + " headers: " + Arrays.toString(cells));
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toList());
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table as lines, the last column not padded. */
    public String render() {
        int[] widths = new int[headers.size()];
        for (List<String> line : lines()) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                text.append(i == widths.length - 1 ? line.get(i) : pad(line.get(i), widths[i] + 2));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private List<List<String>> lines() {
        List<List<String>> lines = new ArrayList<>();
        lines.add(headers);
        lines.addAll(rows);
        return lines;
    }

    /** How a value reads in a cell: on one line, {@code -} when there is none. */
    public static String cell(Object value) {
        if (value == null) {
            return "-";
        }
        String text = value.toString().replaceAll("\\s+", " ").strip();
        return text.isEmpty() ? "-" : text;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
