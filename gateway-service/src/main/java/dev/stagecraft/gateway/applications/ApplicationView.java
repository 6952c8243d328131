package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.template.ComposeImporter;
import dev.stagecraft.template.EnvironmentVariables;
import dev.stagecraft.template.TemplateCompiler;
import dev.stagecraft.template.TemplateProblem;

/** An application as the API shows it; the webhook secret and secret variables are masked. */
public record ApplicationView(String id, String name, ApplicationRequest.Repository repository, String webhookSecret,
        String runtime, String pullRequestLabel, String templateFormat, List<String> services, String template, String environmentVariables,
        OffsetDateTime createdAt, List<TemplateProblem> warnings) {

    static final String MASK = "********";

    static ApplicationView of(Application app, SecretBox secrets) {
        String variables = secrets.open(app.environmentVariables);
        TemplateCompiler.Result compiled = TemplateCompiler.compile(app.name, app.template, variables,
                TemplateCompiler.Context.validation());
        List<TemplateProblem> warnings = new ArrayList<>();
        if (app.templateSource != null) {
            warnings.addAll(ComposeImporter.toTemplate(app.templateSource, file -> Optional.empty()).warnings());
        }
        warnings.addAll(compiled.warnings());
        return new ApplicationView(app.id, app.name, new ApplicationRequest.Repository(app.repositoryUrl, app.provider),
                MASK, app.runtime, app.pullRequestLabel, app.templateFormat,
                compiled.spec().services().stream().map(EnvironmentSpec.ServiceSpec::name).toList(),
                app.templateSource != null ? app.templateSource : app.template, EnvironmentVariables.masked(variables),
                app.createdAt,
                warnings);
    }
}
