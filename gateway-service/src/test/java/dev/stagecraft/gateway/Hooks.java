package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.webhooks.HmacSignature;
import io.restassured.response.ValidatableResponse;

/** Real GitHub payloads from the shared fixtures, re-pointed at a test repository and signed like GitHub signs. */
final class Hooks {

    static final Path FIXTURES = Path.of("../../shared/fixtures/webhooks/github");
    static final String SECRET = "s3cret-for-tests";

    private Hooks() {
    }

    static ObjectNode fixture(String name) {
        try {
            return (ObjectNode) EventJson.mapper().readTree(Files.readString(FIXTURES.resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static com.fasterxml.jackson.databind.JsonNode fixtureAt(Path path) {
        try {
            return EventJson.mapper().readTree(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code fixture} with its repository replaced by {@code repoUrl}. */
    static ObjectNode forRepository(String fixture, String repoUrl) {
        ObjectNode payload = fixture(fixture);
        ObjectNode repo = (ObjectNode) payload.get("repository");
        repo.put("clone_url", repoUrl);
        repo.put("html_url", repoUrl.replaceFirst("\\.git$", ""));
        repo.remove("ssh_url");
        repo.remove("git_url");
        repo.remove("url");
        return payload;
    }

    /** The pull_request {@code fixture} (opened, synchronize, closed...) for {@code repoUrl}, its head at {@code sha}. */
    static ObjectNode pullRequest(String fixture, String repoUrl, String sha) {
        ObjectNode payload = forRepository(fixture, repoUrl);
        ((ObjectNode) payload.get("pull_request").get("head")).put("sha", sha);
        return payload;
    }

    static ValidatableResponse send(String event, Object payload) {
        return send(event, payload, UUID.randomUUID().toString());
    }

    static ValidatableResponse send(String event, Object payload, String delivery) {
        byte[] body = (payload instanceof byte[] bytes ? bytes : EventJson.write(payload).getBytes(StandardCharsets.UTF_8));
        return given().contentType("application/json").header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", HmacSignature.sign(SECRET, body)).body(body)
                .post("/webhooks/github").then();
    }
}
