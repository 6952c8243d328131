package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.template.ComposeImporter;
import dev.stagecraft.template.TemplateCompiler;
import dev.stagecraft.template.TemplateProblem;

/** An application as the API shows it; the webhook secret is masked. */
public record ApplicationView(String id, String name, ApplicationRequest.Repository repository, String webhookSecret,
        String runtime, String templateFormat, List<String> services, String template, String environmentVariables,
        OffsetDateTime createdAt, List<TemplateProblem> warnings) {

    static final String MASK = "********";

    static ApplicationView of(Application app) {
        TemplateCompiler.Result compiled = TemplateCompiler.compile(app.name, app.template, app.environmentVariables,
                TemplateCompiler.Context.validation());
        List<TemplateProblem> warnings = new ArrayList<>();
        if (app.templateSource != null) {
            warnings.addAll(ComposeImporter.toTemplate(app.templateSource, file -> Optional.empty()).warnings());
        }
        warnings.addAll(compiled.warnings());
        return new ApplicationView(app.id, app.name, new ApplicationRequest.Repository(app.repositoryUrl, app.provider),
                MASK, app.runtime, app.templateFormat,
                compiled.spec().services().stream().map(EnvironmentSpec.ServiceSpec::name).toList(),
                app.templateSource != null ? app.templateSource : app.template, app.environmentVariables, app.createdAt,
                warnings);
    }
}
