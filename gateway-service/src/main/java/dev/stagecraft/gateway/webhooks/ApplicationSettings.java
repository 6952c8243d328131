package dev.stagecraft.gateway.webhooks;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.template.ApplicationTemplateParser;
import dev.stagecraft.template.yaml.Problems;

/** What an application's template says about when to deploy: auto_deploy and tracking_branch. */
record ApplicationSettings(boolean autoDeploy, String trackingBranch) {

    static ApplicationSettings of(Application app) {
        return ApplicationTemplateParser.parse(app.template, null, new Problems())
                .map(t -> new ApplicationSettings(t.autoDeploy(), t.trackingBranch()))
                .orElse(new ApplicationSettings(true, null));
    }
}
