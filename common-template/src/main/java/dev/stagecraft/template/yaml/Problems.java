package dev.stagecraft.template.yaml;

import java.util.ArrayList;
import java.util.List;

import dev.stagecraft.template.TemplateProblem;
import dev.stagecraft.template.TemplateProblem.Severity;

/** Collects the problems of one compilation: every error at once, and the warnings beside them. */
public final class Problems {

    private final List<TemplateProblem> all = new ArrayList<>();

    public void add(TemplateProblem problem) {
        all.add(problem);
    }

    public void error(String file, String path, String message) {
        all.add(new TemplateProblem(Severity.ERROR, file, 0, 0, path, message));
    }

    public boolean hasErrors() {
        return all.stream().anyMatch(p -> p.severity() == Severity.ERROR);
    }

    public List<TemplateProblem> errors() {
        return all.stream().filter(p -> p.severity() == Severity.ERROR).toList();
    }

    public List<TemplateProblem> warnings() {
        return all.stream().filter(p -> p.severity() == Severity.WARNING).toList();
    }
}
