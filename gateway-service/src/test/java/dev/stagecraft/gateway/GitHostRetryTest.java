package dev.stagecraft.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.stagecraft.gateway.github.GitHubApi;
import dev.stagecraft.gateway.hosts.CommitStatus;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class GitHostRetryTest {

    @Inject
    GitHubApi github;

    @AfterEach
    void healthyAgain() {
        FakeGitHub.FAIL_NEXT.set(0);
        FakeGitHub.FAIL_WITH.set(502);
    }

    @Test
    void aGitHostCallAnswered503IsTriedAgainUntilItSucceeds() {
        String repository = "team/" + UUID.randomUUID();
        FakeGitHub.FAIL_WITH.set(503);
        FakeGitHub.FAIL_NEXT.set(2);

        assertTrue(github.isOpen("https://github.com/" + repository + ".git", 7));

        List<String> paths = FakeGitHub.of(repository).stream().map(FakeGitHub.Request::path).toList();
        assertEquals(List.of("/repos/" + repository + "/pulls/7 (failed)", "/repos/" + repository
                + "/pulls/7 (failed)", "/repos/" + repository + "/pulls/7"), paths);
    }

    @Test
    void aRefusalThatWillNotPassIsNotTriedAgain() {
        String repository = "team/" + UUID.randomUUID();

        HostApiException refused = assertThrows(HostApiException.class, () -> github.commitStatus(
                "https://github.com/" + repository + ".git", "not-a-sha", new CommitStatus(CommitStatus.State.RUNNING,
                "stagecraft/env", "building", null)));

        assertEquals(404, refused.status());
        assertEquals(1, FakeGitHub.of(repository).size(), "one request: " + FakeGitHub.of(repository));
    }

    @Test
    void aRepositoryUrlWithoutOwnerIsRefusedAtOnceNotRetried() {
        long start = System.nanoTime();

        HostApiException refused = assertThrows(HostApiException.class, () -> github.isOpen("https://github.com/x",
                1));

        assertTrue(refused.getMessage().contains("https://github.com/x"), refused.getMessage());
        // four retries would wait 0.1 + 0.2 + 0.4 + 0.8 seconds (stagecraft.github.backoff=0.1s)
        assertTrue(System.nanoTime() - start < 1_000_000_000L, "refused without waiting for retries");
    }
}
