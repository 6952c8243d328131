package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.List;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.template.TemplateCompiler;

/** An application as the API shows it; the webhook secret is masked. */
public record ApplicationView(String id, String name, ApplicationRequest.Repository repository, String webhookSecret,
        String runtime, List<String> services, String template, String environmentVariables, OffsetDateTime createdAt) {

    static final String MASK = "********";

    static ApplicationView of(Application app) {
        EnvironmentSpec spec = TemplateCompiler.compile(app.name, app.template, app.environmentVariables);
        return new ApplicationView(app.id, app.name, new ApplicationRequest.Repository(app.repositoryUrl, app.provider),
                MASK, app.runtime, spec.services().stream().map(EnvironmentSpec.ServiceSpec::name).toList(),
                app.template, app.environmentVariables, app.createdAt);
    }
}
