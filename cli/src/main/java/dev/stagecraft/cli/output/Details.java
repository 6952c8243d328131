package dev.stagecraft.cli.output;

import java.util.ArrayList;
import java.util.List;

/** One object as {@code name: value} lines with the values aligned; an empty value shows as {@code -}. */
public final class Details {

    private record Field(String name, String value) {
    }

    private final List<Field> fields = new ArrayList<>();

    public Details field(String name, Object value) {
        fields.add(new Field(name, Table.cell(value)));
        return this;
    }

    public String render() {
        int width = fields.stream().mapToInt(f -> f.name().length()).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        for (Field field : fields) {
            String label = field.name() + ":";
            out.append(label).append(" ".repeat(width - label.length() + 1)).append(field.value()).append('\n');
        }
        return out.toString();
    }
}
