package dev.stagecraft.gateway.webhooks;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.template.ApplicationTemplateParser;
import dev.stagecraft.template.yaml.Problems;

/**
 * When an application deploys: auto_deploy and tracking_branch from its template, and the pull request label it was
 * registered with (null: every pull request gets an environment).
 */
record ApplicationSettings(boolean autoDeploy, String trackingBranch, String pullRequestLabel) {

    /**
     * What a template says about deploying, by template text: parsing the template again for every delivery cost
     * more CPU than the rest of the intake's own code.
     */
    private static final Map<String, ApplicationSettings> BY_TEMPLATE = new ConcurrentHashMap<>();
    /** Templates remembered at most; past that the memory starts again (an installation has far fewer). */
    private static final int REMEMBERED = 1024;

    static ApplicationSettings of(Application app) {
        ApplicationSettings fromTemplate = app.template == null ? parse(null) : BY_TEMPLATE.get(app.template);
        if (fromTemplate == null) {
            if (BY_TEMPLATE.size() >= REMEMBERED) {
                BY_TEMPLATE.clear();
            }
            fromTemplate = parse(app.template);
            BY_TEMPLATE.put(app.template, fromTemplate);
        }
        return new ApplicationSettings(fromTemplate.autoDeploy(), fromTemplate.trackingBranch(), app.pullRequestLabel);
    }

    /** The template's part, without a label; a template that does not parse deploys every change. */
    private static ApplicationSettings parse(String template) {
        return ApplicationTemplateParser.parse(template, null, new Problems())
                .map(t -> new ApplicationSettings(t.autoDeploy(), t.trackingBranch(), null))
                .orElse(new ApplicationSettings(true, null, null));
    }
}
