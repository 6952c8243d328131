package dev.stagecraft.gateway.applications;

/**
 * The body of POST /api/applications. {@code pullRequestLabel} is optional: with it, only pull requests carrying
 * that label get an environment.
 */
public record ApplicationRequest(String name, Repository repository, String webhookSecret, String template,
        String environmentVariables, String runtime, String pullRequestLabel) {

    public ApplicationRequest(String name, Repository repository, String webhookSecret, String template,
            String environmentVariables, String runtime) {
        this(name, repository, webhookSecret, template, environmentVariables, runtime, null);
    }

    /** Where the application's code lives; {@code provider} is github (the default). */
    public record Repository(String url, String provider) {
    }
}
