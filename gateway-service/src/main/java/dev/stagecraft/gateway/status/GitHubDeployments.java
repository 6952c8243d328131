package dev.stagecraft.gateway.status;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.Stage;
import dev.stagecraft.gateway.github.GitHubApi;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An environment on GitHub's Deployments API: one deployment per environment and commit (GitHub environment
 * {@code <application>-pr-<n>}, or {@code <application>-<branch>} for a branch; transient for an ephemeral
 * environment), kept in {@link GitHubDeployment} so an event read twice finds it; its statuses in_progress while a
 * build, setup or patch runs, success with the first service's URL, failure, and inactive once the environment is
 * deleted.
 */
@ApplicationScoped
public class GitHubDeployments {

    @Inject
    GitHubApi github;

    void report(Snapshot s, StagecraftMessage data) {
        if (!s.provider().equals(github.provider()) || !github.enabled()) {
            return;
        }
        if (data instanceof EnvironmentDeleted) {
            GitHubDeployment latest = QuarkusTransaction.requiringNew().call(() -> GitHubDeployment.latest(
                    s.environmentId()));
            if (latest != null) {
                status(s, latest.deploymentId, "inactive", "environment " + s.environmentId() + " was torn down",
                        null);
            }
            return;
        }
        if (s.commit() == null || s.stage() == Stage.TEARDOWN) {
            return;
        }
        String state;
        String description;
        String url = null;
        if (data instanceof BuildStarted) {
            state = "in_progress";
            description = "building " + s.shortCommit(s.commit());
        } else if (data instanceof SetupStarted) {
            state = "in_progress";
            description = "setting up the environment";
        } else if (data instanceof PatchStarted) {
            state = "in_progress";
            description = "patching the environment";
        } else if (data instanceof EnvironmentReady) {
            state = "success";
            description = "environment " + s.environmentId() + " is ready";
            url = s.firstEndpoint();
        } else if (data instanceof EnvironmentFailed failed) {
            state = "failure";
            description = failed.reason();
        } else {
            return;
        }
        Long id = deployment(s);
        if (id != null) {
            status(s, id, state, description, url);
        }
    }

    /** The deployment of the snapshot's commit to its environment, made at first use; null when GitHub failed. */
    private Long deployment(Snapshot s) {
        GitHubDeployment known = QuarkusTransaction.requiringNew().call(() -> GitHubDeployment.of(s.environmentId(),
                s.commit()));
        if (known != null) {
            return known.deploymentId;
        }
        Long id = StatusReporter.reported("GitHub deployment of " + s.commit(), () -> github.createDeployment(
                s.repositoryUrl(), s.commit(), environmentName(s), s.kind() == Environment.Kind.EPHEMERAL,
                "Stagecraft environment " + s.environmentId()));
        if (id != null) {
            QuarkusTransaction.requiringNew().run(() -> {
                GitHubDeployment row = new GitHubDeployment();
                row.deploymentId = id;
                row.environmentId = s.environmentId();
                row.commit = s.commit();
                row.createdAt = OffsetDateTime.now();
                row.persist();
            });
        }
        return id;
    }

    /** The GitHub environment: stable across the Stagecraft environments a pull request or branch has had. */
    static String environmentName(Snapshot s) {
        return s.pullRequest() != null ? s.application() + "-pr-" + s.pullRequest()
                : s.application() + "-" + s.branch();
    }

    private void status(Snapshot s, long id, String state, String description, String url) {
        StatusReporter.reported("GitHub deployment status " + state + " of " + s.environmentId(), () -> {
            github.deploymentStatus(s.repositoryUrl(), id, state, description, url);
            return null;
        });
    }
}
