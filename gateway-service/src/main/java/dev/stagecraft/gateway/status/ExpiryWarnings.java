package dev.stagecraft.gateway.status;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentState;
import dev.stagecraft.gateway.hosts.StatusHost;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Warns on a pull request before its environment expires: when an ephemeral environment is less than
 * {@code stagecraft.environments.expiry-warning} from its expiry, its comment is rendered again, which then says when
 * it expires and how to extend it. The comment records the expiry it warned about, so the warning is given once per
 * expiry, again after an extend moved the expiry into the window, and taken out after an extend moved it beyond.
 * Like the expiry itself, it asks the database on a schedule.
 */
@ApplicationScoped
public class ExpiryWarnings {

    @Inject
    Clock clock;

    @Inject
    GatewayConfig config;

    @Inject
    Instance<StatusHost> hosts;

    @Inject
    StatusReporter reporter;

    @Scheduled(every = "${stagecraft.environments.expiry-check:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void warnBeforeExpiry() {
        Duration lead = config.environments().expiryWarning();
        List<String> providers = hosts.stream().filter(StatusHost::enabled).map(StatusHost::provider).toList();
        if (lead.isZero() || lead.isNegative() || providers.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        OffsetDateTime horizon = now.plus(lead);
        List<String> due = QuarkusTransaction.requiringNew().call(() -> Environment.getEntityManager().createQuery(
                "select e.id from Environment e join Application a on a.id = e.applicationId"
                        + " left join PullRequestComment c on c.environmentId = e.id"
                        + " where e.pullRequest is not null and e.state not in :gone and a.provider in :providers"
                        + " and ((e.expiresAt > :now and e.expiresAt <= :horizon"
                        + " and (c.expiryWarnedFor is null or c.expiryWarnedFor <> e.expiresAt))"
                        + " or (c.expiryWarnedFor is not null and (e.expiresAt is null or e.expiresAt > :horizon)))",
                String.class).setParameter("gone", List.of(EnvironmentState.TEARING_DOWN, EnvironmentState.DELETED))
                .setParameter("providers", providers).setParameter("now", now).setParameter("horizon", horizon)
                .getResultList());
        due.forEach(reporter::refreshComment);
    }
}
