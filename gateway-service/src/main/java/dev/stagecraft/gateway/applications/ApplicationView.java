package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.environments.Limits;
import dev.stagecraft.gateway.environments.PauseSchedule;
import dev.stagecraft.template.ComposeImporter;
import dev.stagecraft.template.EnvironmentVariables;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;
import dev.stagecraft.template.TemplateProblem;
import dev.stagecraft.template.yaml.Problems;

/**
 * An application as the API shows it; the webhook secret and secret variables are masked. {@code limits}: its own
 * quotas (null when it sets none; the installation's still apply).
 */
public record ApplicationView(String id, String name, ApplicationRequest.Repository repository, String webhookSecret,
        String runtime, String pullRequestLabel, String templateFormat, List<String> services, String template, String environmentVariables,
        PauseSchedule pauseSchedule, String sleepAfter, Limits limits, OffsetDateTime createdAt,
        List<TemplateProblem> warnings) {

    static final String MASK = "********";

    static ApplicationView of(Application app, SecretBox secrets) {
        String variables = secrets.open(app.environmentVariables);
        TemplateCompiler.Result compiled = TemplateCompiler.compile(app.name, app.template, variables,
                TemplateCompiler.Context.validation());
        List<TemplateProblem> warnings = new ArrayList<>();
        if (app.templateSource != null) {
            try {
                ComposeImporter.Imported imported = ComposeImporter.toTemplate(app.templateSource,
                        file -> Optional.empty(), variables(variables));
                warnings.addAll(imported.warnings());
                warnings.addAll(imported.relocate(compiled.warnings()));
            } catch (InvalidTemplateException e) {
                // registered before its values were interpolated (or its variables changed since): the stored template
                // still runs; what importing it again finds is shown, not thrown
                e.problems().forEach(p -> warnings.add(new TemplateProblem(TemplateProblem.Severity.WARNING, p.file(),
                        p.line(), p.column(), p.path(), p.message() + " (the registered template was generated before"
                                + " this was checked; replace the template to apply it)")));
                warnings.addAll(compiled.warnings());
            }
        } else {
            warnings.addAll(compiled.warnings());
        }
        return new ApplicationView(app.id, app.name, new ApplicationRequest.Repository(app.repositoryUrl, app.provider),
                MASK, app.runtime, app.pullRequestLabel, app.templateFormat,
                compiled.spec().services().stream().map(EnvironmentSpec.ServiceSpec::name).toList(),
                app.templateSource != null ? app.templateSource : app.template, EnvironmentVariables.masked(variables),
                app.pauseSchedule == null ? null : PauseSchedule.parse(app.pauseSchedule), app.sleepAfter, limits(app),
                app.createdAt,
                warnings);
    }

    static Limits limits(Application app) {
        return app.maxRunningEnvironments == null && app.maxConcurrentBuilds == null && app.overflow == null ? null
                : new Limits(app.maxRunningEnvironments, app.maxConcurrentBuilds, app.overflow);
    }

    /**
     * The application's environment variables for a compose file's interpolation; empty when the text is not a valid
     * template (the compiler reports why).
     */
    static EnvironmentVariables variables(String text) {
        return EnvironmentVariables.parse(text, new Problems()).orElse(EnvironmentVariables.empty());
    }
}
