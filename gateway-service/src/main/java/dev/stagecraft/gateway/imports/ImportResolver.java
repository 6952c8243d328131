package dev.stagecraft.gateway.imports;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.template.AppImports;
import dev.stagecraft.template.ApplicationTemplate;
import dev.stagecraft.template.ApplicationTemplateParser;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;
import dev.stagecraft.template.TemplateProblem;
import dev.stagecraft.template.yaml.Problems;

/**
 * Resolves an application's {@code app_imports} against the registered applications: each imported application's
 * template compiled for the same environment, the branches to build it at by Release's rule, and its services added
 * to the environment's spec ({@link AppImports#merge}).
 */
@ApplicationScoped
public class ImportResolver {

    /** Stands for the imported repository's default branch among the branches to build at. */
    public static final String DEFAULT_BRANCH = "HEAD";

    @Inject
    SecretBox secrets;

    /**
     * {@code spec} (the importing application's, compiled with {@code context}) with its imports' services added.
     *
     * @throws InvalidTemplateException naming the {@code app_imports} entry: an application that is not registered,
     *                                  a service name taken twice, an excluded service it does not have
     */
    public EnvironmentSpec apply(String template, EnvironmentSpec spec, String branch,
            TemplateCompiler.Context context) {
        ApplicationTemplate parsed = ApplicationTemplateParser.parse(template, context.environmentTemplate(),
                new Problems()).orElse(null);
        if (parsed == null || parsed.appImports().isEmpty()) {
            return spec;
        }
        List<AppImports.Imported> imports = new ArrayList<>();
        List<TemplateProblem> problems = new ArrayList<>();
        for (ApplicationTemplate.AppImport entry : parsed.appImports()) {
            Application imported = Application.find("name", entry.name()).firstResult();
            if (imported == null) {
                problems.add(new TemplateProblem(TemplateProblem.Severity.ERROR, ApplicationTemplateParser.FILE,
                        entry.line(), entry.column(), entry.path(), "app_imports names application '" + entry.name()
                                + "', which is not registered; register it first (POST /api/applications)"));
                continue;
            }
            EnvironmentSpec importedSpec;
            try {
                importedSpec = TemplateCompiler.compile(imported.name, imported.template,
                        secrets.open(imported.environmentVariables), context).spec();
            } catch (InvalidTemplateException e) {
                problems.add(new TemplateProblem(TemplateProblem.Severity.ERROR, ApplicationTemplateParser.FILE,
                        entry.line(), entry.column(), entry.path(), "the template of imported application '"
                                + imported.name + "' is invalid: " + e.getMessage()));
                continue;
            }
            String tracking = ApplicationTemplateParser.parse(imported.template, null, new Problems())
                    .map(ApplicationTemplate::trackingBranch).orElse(null);
            imports.add(new AppImports.Imported(entry, imported.repositoryUrl, branches(entry, branch, tracking),
                    importedSpec));
        }
        if (!problems.isEmpty()) {
            throw new InvalidTemplateException(problems);
        }
        return AppImports.merge(spec, imports, parsed.parallelizeAppImports());
    }

    /**
     * Checks a template's imports as a registration does ({@code spec}: the template compiled for validation): every
     * imported application registered, valid, and with no service name the template or another import has.
     *
     * @throws InvalidTemplateException naming the {@code app_imports} entry
     */
    public void validate(String template, EnvironmentSpec spec) {
        apply(template, spec, null, TemplateCompiler.Context.validation());
    }

    /**
     * Release's rule, as the branches to try in order: the branch the template names; else a branch with the
     * importing environment's branch name, the imported application's tracking branch, then its default branch.
     */
    static List<String> branches(ApplicationTemplate.AppImport entry, String importingBranch, String tracking) {
        if (entry.branch() != null) {
            return List.of(entry.branch());
        }
        List<String> branches = new ArrayList<>();
        if (importingBranch != null) {
            branches.add(importingBranch);
        }
        if (tracking != null && !branches.contains(tracking)) {
            branches.add(tracking);
        }
        branches.add(DEFAULT_BRANCH);
        return branches;
    }
}
