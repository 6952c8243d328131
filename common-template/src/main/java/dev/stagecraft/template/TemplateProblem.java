package dev.stagecraft.template;

/**
 * One thing wrong with a template: in which file, where (line and column, 1-based; 0 when unknown), at which path
 * ({@code services[2].ports[0].type}), and what was found and what is accepted. Warnings do not stop a template.
 */
public record TemplateProblem(Severity severity, String file, int line, int column, String path, String message) {

    /** Errors make a template unusable; warnings (unknown keys, ignored features) are shown and otherwise harmless. */
    public enum Severity {
        ERROR, WARNING
    }

    public TemplateProblem(String file, String path, String message) {
        this(Severity.ERROR, file, 0, 0, path, message);
    }

    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line + ":" + column : file;
        return where + ": " + path + ": " + message;
    }
}
