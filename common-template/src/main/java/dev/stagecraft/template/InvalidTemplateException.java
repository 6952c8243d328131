package dev.stagecraft.template;

import java.util.List;
import java.util.stream.Collectors;

/** A template that cannot be used, with every problem found in it at once. */
public class InvalidTemplateException extends RuntimeException {

    private final List<TemplateProblem> problems;

    public InvalidTemplateException(List<TemplateProblem> problems) {
        super(problems.stream().map(TemplateProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<TemplateProblem> problems() {
        return problems;
    }
}
