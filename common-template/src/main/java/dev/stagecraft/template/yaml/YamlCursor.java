package dev.stagecraft.template.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import dev.stagecraft.template.TemplateProblem;
import dev.stagecraft.template.TemplateProblem.Severity;

/** A node of a template with its path and position, reading typed values and reporting what is wrong where. */
public final class YamlCursor {

    /**
     * Rewrites a scalar's text as it is read, e.g. Compose's variable interpolation, reporting what is wrong at the
     * cursor. Each scalar is rewritten once, however often it is read.
     */
    @FunctionalInterface
    public interface ScalarRewrite {
        String rewrite(YamlCursor at, String text);
    }

    private final String file;
    private final String path;
    private final Node node;
    private final Problems problems;
    private final ScalarRewrite rewrite;
    private final Map<Node, String> rewritten;

    YamlCursor(String file, String path, Node node, Problems problems) {
        this(file, path, node, problems, null, null);
    }

    private YamlCursor(String file, String path, Node node, Problems problems, ScalarRewrite rewrite,
            Map<Node, String> rewritten) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.problems = problems;
        this.rewrite = rewrite;
        this.rewritten = rewritten;
    }

    /** This node, whose scalars below (values, not keys) read as {@code rewrite} makes them. */
    public YamlCursor rewriting(ScalarRewrite rewrite) {
        return new YamlCursor(file, path, node, problems, rewrite, new java.util.IdentityHashMap<>());
    }

    private YamlCursor at(String childPath, Node childNode) {
        return new YamlCursor(file, childPath, childNode, problems, rewrite, rewritten);
    }

    /** The line the node starts on, from 1. */
    public int line() {
        return node.getStartMark().getLine() + 1;
    }

    /** The column the node starts at, from 1. */
    public int column() {
        return node.getStartMark().getColumn() + 1;
    }

    public String path() {
        return path.isEmpty() ? "$" : path;
    }

    /** Where this node's text starts and ends in the document (character offsets). */
    public int startIndex() {
        return node.getStartMark().getIndex();
    }

    public int endIndex() {
        return node.getEndMark().getIndex();
    }

    public boolean isMapping() {
        return node instanceof MappingNode;
    }

    public boolean isSequence() {
        return node instanceof SequenceNode;
    }

    public boolean isScalar() {
        return node instanceof ScalarNode;
    }

    public boolean isNull() {
        return node instanceof ScalarNode s && "tag:yaml.org,2002:null".equals(s.getTag().getValue());
    }

    public void error(String message) {
        report(Severity.ERROR, message);
    }

    public void warn(String message) {
        report(Severity.WARNING, message);
    }

    private void report(Severity severity, String message) {
        problems.add(new TemplateProblem(severity, file, node.getStartMark().getLine() + 1,
                node.getStartMark().getColumn() + 1, path(), message));
    }

    /** The entries of a mapping, in order; reports an error and returns nothing when this is not a mapping. */
    public Map<String, YamlCursor> entries() {
        Map<String, YamlCursor> entries = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            if (!isNull()) {
                error("expected a mapping, found " + describe());
            }
            return entries;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(tuple.getKeyNode());
            entries.put(key, at(child(key), tuple.getValueNode()));
        }
        return entries;
    }

    /** Reports every key that appears twice in one mapping, anywhere below; true when there is none. */
    boolean checkDuplicateKeys() {
        boolean clean = true;
        if (node instanceof MappingNode mapping) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key && !seen.add(key.getValue())) {
                    new YamlCursor(file, child(key.getValue()), key, problems).error("duplicate key '" + key.getValue()
                            + "'; each key may appear once in a mapping");
                    clean = false;
                }
            }
            for (YamlCursor child : entries().values()) {
                clean &= child.checkDuplicateKeys();
            }
        } else if (node instanceof SequenceNode) {
            for (YamlCursor item : items()) {
                clean &= item.checkDuplicateKeys();
            }
        }
        return clean;
    }

    /** Warns about every key of this mapping not in {@code known}, naming the keys that are. */
    public void warnUnknownKeys(Set<String> known) {
        if (!(node instanceof MappingNode)) {
            return;
        }
        entries().forEach((key, value) -> {
            if (!known.contains(key)) {
                new YamlCursor(file, value.path, value.node, problems).warn("unknown key '" + key
                        + "' is ignored; known here: " + String.join(", ", known.stream().sorted().toList()));
            }
        });
    }

    public Optional<YamlCursor> get(String key) {
        if (!(node instanceof MappingNode)) {
            return Optional.empty();
        }
        YamlCursor value = entries().get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    /** The items of a sequence; reports an error when this is not one. */
    public List<YamlCursor> items() {
        List<YamlCursor> items = new ArrayList<>();
        if (!(node instanceof SequenceNode sequence)) {
            if (!isNull()) {
                error("expected a list, found " + describe());
            }
            return items;
        }
        for (int i = 0; i < sequence.getValue().size(); i++) {
            items.add(at(path + "[" + i + "]", sequence.getValue().get(i)));
        }
        return items;
    }

    /** The scalar's text; reports an error and returns null for a mapping or list. */
    public String text() {
        if (node instanceof ScalarNode scalar) {
            if (isNull()) {
                return null;
            }
            if (rewrite == null) {
                return scalar.getValue();
            }
            String done = rewritten.get(node);
            if (done == null) {
                done = rewrite.rewrite(this, scalar.getValue());
                rewritten.put(node, done);
            }
            return done;
        }
        error("expected a single value, found " + describe());
        return null;
    }

    public String text(String key) {
        return get(key).map(YamlCursor::text).orElse(null);
    }

    /** A whole number within bounds; reports what was found otherwise. */
    public Integer integer(int min, int max) {
        String text = text();
        if (text == null) {
            return null;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < min || value > max) {
                error("found " + value + "; accepted: a whole number from " + min + " to " + max);
                return null;
            }
            return value;
        } catch (NumberFormatException e) {
            error("found '" + text + "'; accepted: a whole number from " + min + " to " + max);
            return null;
        }
    }

    public Integer integer(String key, int min, int max) {
        return get(key).map(c -> c.integer(min, max)).orElse(null);
    }

    public Boolean bool() {
        String text = text();
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                error("found '" + text + "'; accepted: true or false");
                yield null;
            }
        };
    }

    public boolean bool(String key, boolean fallback) {
        Boolean value = get(key).map(YamlCursor::bool).orElse(null);
        return value == null ? fallback : value;
    }

    /** A list of strings, or a single string taken as a one-item list. */
    public List<String> strings() {
        if (node instanceof ScalarNode) {
            String text = text();
            return text == null ? List.of() : List.of(text);
        }
        List<String> values = new ArrayList<>();
        for (YamlCursor item : items()) {
            String text = item.text();
            if (text != null) {
                values.add(text);
            }
        }
        return values;
    }

    public List<String> strings(String key) {
        return get(key).map(YamlCursor::strings).orElse(List.of());
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String describe() {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "'" + ((ScalarNode) node).getValue() + "'";
    }
}
