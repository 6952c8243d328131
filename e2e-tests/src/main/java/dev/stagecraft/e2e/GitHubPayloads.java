package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.infra.SampleRepository;

/** GitHub pull_request payloads for a repository served here: a base payload with the fields that matter set. */
public final class GitHubPayloads {

    private static final Path FIXTURES = Path.of("../../shared/fixtures/webhooks/github");

    private GitHubPayloads() {
    }

    /** A payload GitHub sent, recorded in shared/fixtures/webhooks/github ({@code pull_request-opened.json}...). */
    public static ObjectNode recorded(String fixture) throws IOException {
        return (ObjectNode) EventJson.mapper().readTree(FIXTURES.resolve(fixture).toFile());
    }

    /** A pull_request payload with the fields GitHub always sends that Stagecraft reads. */
    public static ObjectNode minimalPullRequest() {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.putObject("pull_request").putObject("head");
        payload.with("pull_request").putObject("base").put("ref", "main");
        payload.putObject("repository");
        payload.putObject("sender").put("login", "sample-dev");
        return payload;
    }

    /** {@code base} (e.g. a recorded GitHub payload) re-pointed at {@code repoUrl}, PR {@code number}, head {@code sha}. */
    public static ObjectNode pullRequest(ObjectNode base, String action, int number, String branch, String sha,
            String repoUrl) {
        ObjectNode payload = base.deepCopy();
        payload.put("action", action);
        payload.put("number", number);
        ObjectNode pr = payload.with("pull_request");
        pr.put("number", number);
        pr.put("state", "closed".equals(action) ? "closed" : "open");
        pr.put("merged", false);
        ObjectNode head = pr.with("head");
        head.put("ref", branch);
        head.put("sha", sha);
        // head and base in the same repository: not a fork (GitHub always names both)
        head.with("repo").put("full_name", "local/" + SampleRepository.NAME);
        pr.with("base").with("repo").put("full_name", "local/" + SampleRepository.NAME);
        ObjectNode repo = payload.with("repository");
        repo.put("clone_url", repoUrl);
        repo.put("html_url", repoUrl.replaceFirst("\\.git$", ""));
        repo.put("full_name", "local/" + SampleRepository.NAME);
        repo.remove("ssh_url");
        repo.remove("git_url");
        repo.remove("url");
        return payload;
    }

    /** A push of {@code sha} to {@code branch} of the repository at {@code repoUrl}, with the fields Stagecraft reads. */
    public static ObjectNode push(String branch, String sha, String repoUrl) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("ref", "refs/heads/" + branch);
        payload.put("before", "0".repeat(40));
        payload.put("after", sha);
        payload.put("created", false);
        payload.put("deleted", false);
        ObjectNode repo = payload.putObject("repository");
        repo.put("clone_url", repoUrl);
        repo.put("html_url", repoUrl.replaceFirst("\\.git$", ""));
        repo.put("full_name", "local/" + SampleRepository.NAME);
        payload.putObject("head_commit").put("id", sha);
        payload.putObject("sender").put("login", "sample-dev");
        return payload;
    }
}
