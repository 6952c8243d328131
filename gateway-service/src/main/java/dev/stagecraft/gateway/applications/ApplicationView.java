package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.List;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.template.TemplateCompiler;
import dev.stagecraft.template.TemplateProblem;

/** An application as the API shows it; the webhook secret is masked. */
public record ApplicationView(String id, String name, ApplicationRequest.Repository repository, String webhookSecret,
        String runtime, List<String> services, String template, String environmentVariables, OffsetDateTime createdAt,
        List<TemplateProblem> warnings) {

    static final String MASK = "********";

    static ApplicationView of(Application app) {
        TemplateCompiler.Result compiled = TemplateCompiler.compile(app.name, app.template, app.environmentVariables,
                TemplateCompiler.Context.validation());
        return new ApplicationView(app.id, app.name, new ApplicationRequest.Repository(app.repositoryUrl, app.provider),
                MASK, app.runtime, compiled.spec().services().stream().map(EnvironmentSpec.ServiceSpec::name).toList(),
                app.template, app.environmentVariables, app.createdAt, compiled.warnings());
    }
}
