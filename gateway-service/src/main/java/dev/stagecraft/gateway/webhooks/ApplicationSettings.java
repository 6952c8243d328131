package dev.stagecraft.gateway.webhooks;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.template.ApplicationTemplateParser;
import dev.stagecraft.template.yaml.Problems;

/**
 * When an application deploys: auto_deploy and tracking_branch from its template, and the pull request label it was
 * registered with (null: every pull request gets an environment).
 */
record ApplicationSettings(boolean autoDeploy, String trackingBranch, String pullRequestLabel) {

    static ApplicationSettings of(Application app) {
        return ApplicationTemplateParser.parse(app.template, null, new Problems())
                .map(t -> new ApplicationSettings(t.autoDeploy(), t.trackingBranch(), app.pullRequestLabel))
                .orElse(new ApplicationSettings(true, null, app.pullRequestLabel));
    }
}
