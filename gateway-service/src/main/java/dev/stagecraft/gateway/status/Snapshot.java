package dev.stagecraft.gateway.status;

import java.time.OffsetDateTime;
import java.util.Map;

import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentState;
import dev.stagecraft.gateway.environments.Stage;

/**
 * What the reporter tells a git host about one environment, read from the database when an event (or the expiry
 * check) is handled: its application's host and repository, its state, the commit and stage the event is about,
 * and its endpoints in the template's order of services.
 *
 * @param cancelledCommit on deletion, the commit whose workflow the teardown cancelled; otherwise none
 * @param queuePosition when QUEUED, its place among its application's queued environments
 * @param quotaNote what the quota did to it (paused or torn down to make room for another environment), or null
 */
record Snapshot(String provider, String repositoryUrl, String environmentId, String application,
        Environment.Kind kind, String branch, Integer pullRequest, EnvironmentState state, String commit,
        Stage stage, Map<String, String> endpoints, String failureReason, OffsetDateTime expiresAt,
        String cancelledCommit, Integer queuePosition, String quotaNote) {

    /** The URL a status links to: the first service's. */
    String firstEndpoint() {
        return endpoints.isEmpty() ? null : endpoints.values().iterator().next();
    }

    String shortCommit(String sha) {
        return sha.substring(0, Math.min(7, sha.length()));
    }
}
