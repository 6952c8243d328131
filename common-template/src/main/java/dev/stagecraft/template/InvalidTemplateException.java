package dev.stagecraft.template;

import java.util.List;
import java.util.stream.Collectors;

/** A template that cannot be used, with every error found in it at once, and the warnings beside them. */
public class InvalidTemplateException extends RuntimeException {

    private final List<TemplateProblem> problems;
    private final List<TemplateProblem> warnings;

    public InvalidTemplateException(List<TemplateProblem> problems) {
        this(problems, List.of());
    }

    public InvalidTemplateException(List<TemplateProblem> problems, List<TemplateProblem> warnings) {
        super(problems.stream().map(TemplateProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
        this.warnings = List.copyOf(warnings);
    }

    /** The errors. */
    public List<TemplateProblem> problems() {
        return problems;
    }

    public List<TemplateProblem> warnings() {
        return warnings;
    }
}
