package dev.stagecraft.gateway.hosts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentProcess;
import dev.stagecraft.gateway.environments.EnvironmentState;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The backstop for a pull request that was closed while its delivery was lost: on the next delivery or deploy of a
 * repository, asks the application's git host (GitHub, GitLab or Bitbucket, each with the installation's token for
 * it) for the state of every pull request that still has a live environment, and tears down the ones that are no
 * longer open. Runs beside the request (never delays the webhook's answer), at most once per
 * {@code stagecraft.pull-request-check-interval} per application; hosts without a token are not asked.
 */
@ApplicationScoped
public class PullRequestCheck {

    private static final Logger LOG = Logger.getLogger(PullRequestCheck.class);

    @Inject
    jakarta.enterprise.inject.Instance<PullRequestStates> hosts;

    @Inject
    ConflictRetry conflicts;

    @Inject
    EnvironmentProcess process;

    @Inject
    ManagedExecutor executor;

    @Inject
    GatewayConfig config;

    private final Map<String, Long> lastCheck = new ConcurrentHashMap<>();

    /** Checks the applications of a repository, named by any of its URLs, in the background. */
    public void afterDeliveryFor(Collection<String> repositoryUrls) {
        if (hosts.stream().noneMatch(PullRequestStates::enabled)) {
            return;
        }
        executor.execute(() -> {
            List<String> apps = QuarkusTransaction.requiringNew().call(() -> Application.forRepositories(repositoryUrls)
                    .stream().map(a -> a.id).toList());
            apps.forEach(this::check);
        });
    }

    /** Checks one application's pull requests in the background. */
    public void afterDeployOf(String applicationId) {
        if (hosts.stream().anyMatch(PullRequestStates::enabled)) {
            executor.execute(() -> check(applicationId));
        }
    }

    private PullRequestStates hostFor(String provider) {
        return hosts.stream().filter(h -> h.provider().equals(provider) && h.enabled()).findFirst().orElse(null);
    }

    /** A live environment of a pull request. */
    private record Open(String environmentId, int number) {
    }

    /** What to ask which host about one application. */
    private record Target(PullRequestStates host, String repositoryUrl, List<Open> open) {
    }

    /** The application's host and its live pull request environments; null when its host cannot be asked. */
    private Target target(String applicationId) {
        Application app = Application.findById(applicationId);
        PullRequestStates host = app == null ? null : hostFor(app.provider);
        if (host == null) {
            return null;
        }
        List<Open> open = new ArrayList<>();
        for (Environment env : Environment.<Environment>list("applicationId = ?1 and pullRequest is not null"
                + " and state <> ?2 and state <> ?3", applicationId, EnvironmentState.DELETED,
                EnvironmentState.TEARING_DOWN)) {
            open.add(new Open(env.id, env.pullRequest));
        }
        return new Target(host, app.repositoryUrl, open);
    }

    void check(String applicationId) {
        long now = System.currentTimeMillis();
        Long last = lastCheck.get(applicationId);
        if (last != null && now - last < config.pullRequestCheckInterval().toMillis()) {
            return;
        }
        lastCheck.put(applicationId, now);
        Target target = QuarkusTransaction.requiringNew().call(() -> target(applicationId));
        if (target == null) {
            return;
        }
        for (Open pr : target.open()) {
            boolean isOpen;
            try {
                isOpen = target.host().isOpen(target.repositoryUrl(), pr.number());
            } catch (HostApiException | FaultToleranceException e) {
                LOG.warnf("could not read the state of pull request #%d of %s: %s", pr.number(),
                        target.repositoryUrl(), e.getMessage());
                continue;
            }
            if (!isOpen) {
                LOG.infof("pull request #%d of %s is closed but environment %s is live: tearing it down",
                        pr.number(), target.repositoryUrl(), pr.environmentId());
                conflicts.inTransaction(() -> {
                    process.teardown(Environment.findById(pr.environmentId()), "pull request #" + pr.number()
                            + " is closed on " + target.host().displayName()
                            + " (found by reconciliation; its closing delivery never arrived)", null);
                    return null;
                });
            }
        }
    }
}
