package dev.stagecraft.gateway.applications;

/** The body of POST /api/applications. */
public record ApplicationRequest(String name, Repository repository, String webhookSecret, String template,
        String environmentVariables, String runtime) {

    /** Where the application's code lives; {@code provider} is github (the default). */
    public record Repository(String url, String provider) {
    }
}
