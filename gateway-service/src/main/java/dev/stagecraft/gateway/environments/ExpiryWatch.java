package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Tears down environments whose expiry has passed. It asks the database, not a timer set at creation, so an
 * environment that expired while the gateway was down is torn down at the next check after it starts.
 */
@ApplicationScoped
public class ExpiryWatch {

    @Inject
    Clock clock;

    private static final Logger LOG = Logger.getLogger(ExpiryWatch.class);

    @Inject
    EnvironmentProcess process;

    @Inject
    ConflictRetry conflicts;

    @Scheduled(every = "${stagecraft.environments.expiry-check:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void tearDownExpired() {
        List<String> expired = QuarkusTransaction.requiringNew().call(() -> Environment.<Environment>list(
                "expiresAt < ?1 and state <> ?2 and state <> ?3", OffsetDateTime.now(clock), EnvironmentState.TEARING_DOWN,
                EnvironmentState.DELETED).stream().map(e -> e.id).toList());
        for (String id : expired) {
            conflicts.inTransaction(() -> {
                Environment env = Environment.findById(id);
                if (env.state.alive() && env.expiresAt != null && env.expiresAt.isBefore(OffsetDateTime.now(clock))) {
                    LOG.infof("environment %s expired at %s: tearing it down", id, env.expiresAt);
                    process.teardown(env, "expired at " + env.expiresAt, null);
                }
                return null;
            });
        }
    }
}
