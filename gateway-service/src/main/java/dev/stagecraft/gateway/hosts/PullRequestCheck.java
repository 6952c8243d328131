package dev.stagecraft.gateway.hosts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;

import dev.stagecraft.gateway.applications.Application;
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
    EnvironmentProcess process;

    @Inject
    ManagedExecutor executor;

    @ConfigProperty(name = "stagecraft.pull-request-check-interval", defaultValue = "30s")
    Duration interval;

    private final Map<String, Long> lastCheck = new ConcurrentHashMap<>();

    /** Checks the applications of a repository, named by any of its URLs, in the background. */
    public void afterDeliveryFor(Collection<String> repositoryUrls) {
        if (hosts.stream().noneMatch(PullRequestStates::enabled)) {
            return;
        }
        executor.execute(() -> {
            Set<String> apps = QuarkusTransaction.requiringNew().call(() -> {
                Set<String> ids = new LinkedHashSet<>();
                for (String url : repositoryUrls) {
                    if (url != null && !url.isBlank()) {
                        Application.forRepository(url).forEach(a -> ids.add(a.id));
                    }
                }
                return ids;
            });
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

    void check(String applicationId) {
        long now = System.currentTimeMillis();
        Long last = lastCheck.get(applicationId);
        if (last != null && now - last < interval.toMillis()) {
            return;
        }
        lastCheck.put(applicationId, now);
        record Open(String environmentId, int number) {
        }
        String[] repository = new String[1];
        PullRequestStates[] host = new PullRequestStates[1];
        List<Open> open = QuarkusTransaction.requiringNew().call(() -> {
            Application app = Application.findById(applicationId);
            host[0] = app == null ? null : hostFor(app.provider);
            if (host[0] == null) {
                return List.of();
            }
            repository[0] = app.repositoryUrl;
            List<Open> found = new ArrayList<>();
            for (Environment env : Environment.<Environment>list("applicationId = ?1 and pullRequest is not null"
                    + " and state <> ?2 and state <> ?3", applicationId, EnvironmentState.DELETED,
                    EnvironmentState.TEARING_DOWN)) {
                found.add(new Open(env.id, env.pullRequest));
            }
            return found;
        });
        if (host[0] == null) {
            return;
        }
        for (Open pr : open) {
            boolean isOpen;
            try {
                isOpen = host[0].isOpen(repository[0], pr.number());
            } catch (HostApiException | java.util.NoSuchElementException | ArrayIndexOutOfBoundsException e) {
                LOG.warnf("could not read the state of pull request #%d of %s: %s", pr.number(), repository[0],
                        e.getMessage());
                continue;
            }
            if (!isOpen) {
                LOG.infof("pull request #%d of %s is closed but environment %s is live: tearing it down",
                        pr.number(), repository[0], pr.environmentId());
                String where = host[0].provider().equals("github") ? "GitHub"
                        : host[0].provider().equals("gitlab") ? "GitLab" : "Bitbucket";
                ConflictRetry.inTransaction(() -> {
                    Environment env = Environment.findById(pr.environmentId());
                    process.teardown(env, "pull request #" + pr.number() + " is closed on " + where
                            + " (found by reconciliation; its closing delivery never arrived)", null);
                    return null;
                });
            }
        }
    }
}
