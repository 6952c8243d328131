package dev.stagecraft.template;

/** One thing wrong with a template: where ({@code path}, e.g. {@code services[1].build.context}) and what. */
public record TemplateProblem(String file, String path, String message) {

    @Override
    public String toString() {
        return file + ": " + path + ": " + message;
    }
}
