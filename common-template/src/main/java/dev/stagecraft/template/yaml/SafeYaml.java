package dev.stagecraft.template.yaml;

import java.io.StringReader;
import java.util.Optional;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import dev.stagecraft.template.TemplateProblem;
import dev.stagecraft.template.TemplateProblem.Severity;

/**
 * Parses template YAML into a node tree that keeps line and column, refusing hostile input: documents over
 * {@value #MAX_CHARS} characters, more than {@value #MAX_ALIASES} aliases to collections (alias bombs), nesting deeper
 * than {@value #MAX_DEPTH}.
 */
public final class SafeYaml {

    public static final int MAX_CHARS = 512 * 1024;
    public static final int MAX_ALIASES = 20;
    public static final int MAX_DEPTH = 40;

    private SafeYaml() {
    }

    /** The root node of {@code text}, or empty with the reason added to {@code problems}. */
    public static Optional<YamlCursor> parse(String file, String text, Problems problems) {
        if (text == null || text.isBlank()) {
            problems.error(file, "$", "the file is empty; a YAML mapping is expected");
            return Optional.empty();
        }
        if (text.length() > MAX_CHARS) {
            problems.error(file, "$", "the file has " + text.length() + " characters; at most " + MAX_CHARS
                    + " are accepted");
            return Optional.empty();
        }
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CHARS * 2);
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        try {
            Node root = yaml.compose(new StringReader(text));
            if (root == null) {
                problems.error(file, "$", "the file holds no YAML document; a mapping is expected");
                return Optional.empty();
            }
            YamlCursor cursor = new YamlCursor(file, "", root, problems);
            return cursor.checkDuplicateKeys() ? Optional.of(cursor) : Optional.empty();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.add(new TemplateProblem(Severity.ERROR, file, mark == null ? 0 : mark.getLine() + 1,
                    mark == null ? 0 : mark.getColumn() + 1, "$", "not valid YAML: " + e.getProblem()));
            return Optional.empty();
        } catch (YAMLException e) {
            problems.error(file, "$", "refused: " + e.getMessage());
            return Optional.empty();
        }
    }
}
