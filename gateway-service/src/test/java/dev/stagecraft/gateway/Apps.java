package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.infra.SampleRepository;
import io.restassured.path.json.JsonPath;

/** Registers applications through the API, and opens their pull requests, for tests. */
final class Apps {

    /** The sample application's template: two services, web and api. */
    static final String TWO_SERVICES = SampleRepository.TEMPLATE;

    private Apps() {
    }

    /** Registers an application of two services for {@code repoUrl} and returns its name. */
    static String register(String repoUrl) {
        return register(repoUrl, TWO_SERVICES);
    }

    /** Registers an application with {@code template} for {@code repoUrl} and returns its name. */
    static String register(String repoUrl, String template) {
        return register(repoUrl, template, Map.of());
    }

    /**
     * Registers an application with {@code template} for {@code repoUrl}, with the {@code extra} fields of the request
     * (runtime, pullRequestLabel, environmentVariables), and returns its name.
     */
    static String register(String repoUrl, String template, Map<String, Object> extra) {
        return registered(repoUrl, template, extra).getString("name");
    }

    /** Registers an application as {@link #register(String, String, Map)} does and returns the API's view of it. */
    static JsonPath registered(String repoUrl, String template, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "app-" + UUID.randomUUID().toString().substring(0, 8),
                "repository", Map.of("url", repoUrl, "provider", "github"), "webhookSecret", Hooks.SECRET,
                "template", template));
        body.putAll(extra);
        return given().contentType("application/json").body(body).post("/api/applications").then().statusCode(201)
                .extract().jsonPath();
    }

    /** Opens a pull request of {@code app}'s repository at {@code sha} and returns the environment it got. */
    static String openPullRequest(String repoUrl, String app, String sha) {
        return openPullRequest(Hooks.pullRequest("pull_request-opened.json", repoUrl, sha), app);
    }

    /** Opens the fixture's pull request (its own head) in {@code app}'s repository; returns its environment. */
    static String openPullRequest(String repoUrl, String app) {
        return openPullRequest(Hooks.forRepository("pull_request-opened.json", repoUrl), app);
    }

    private static String openPullRequest(ObjectNode opened, String app) {
        Hooks.send("pull_request", opened).statusCode(202);
        return Api.environmentOf(app);
    }

    static String uniqueRepo() {
        return "https://git.example.test/team/" + UUID.randomUUID() + ".git";
    }
}
