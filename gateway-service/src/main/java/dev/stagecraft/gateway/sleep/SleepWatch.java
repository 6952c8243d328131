package dev.stagecraft.gateway.sleep;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentActions;
import dev.stagecraft.gateway.environments.EnvironmentState;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Puts idle environments to sleep. Every {@code stagecraft.sleep.check} it reads what the router logged since the last
 * check, records for each environment when its host names last had a request ({@code environment.last_request_at}),
 * and puts to sleep the READY environments with nothing running whose application has an idle timeout and which had
 * no request, and no change, for that long. Requests count as activity, so a used environment never sleeps; the next
 * request to a sleeping one wakes it ({@link WakeResource}).
 */
@ApplicationScoped
public class SleepWatch {

    private static final Logger LOG = Logger.getLogger(SleepWatch.class);

    @Inject
    Clock clock;

    @Inject
    GatewayConfig config;

    @Inject
    EnvironmentActions actions;

    @Inject
    ConflictRetry conflicts;

    private RouterActivity activity;
    private RouterHosts hosts;

    @PostConstruct
    void init() {
        activity = config.sleep().accessLog().filter(f -> !f.isBlank()).map(f -> new RouterActivity(Path.of(f)))
                .orElse(null);
        hosts = config.sleep().routerAdmin().filter(a -> !a.isBlank())
                .map(a -> new RouterHosts(URI.create(a), "stagecraft")).orElse(null);
    }

    @Scheduled(every = "${stagecraft.sleep.check:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void onSchedule() {
        if (activity != null) {
            check(clock.instant());
        }
    }

    /** Records the requests logged since the last check, then puts to sleep what was idle at {@code now}. */
    public int check(Instant now) {
        recordRequests();
        List<Object[]> candidates = QuarkusTransaction.requiringNew().call(() -> Environment.getEntityManager()
                .createQuery("select e.id, e.kind, e.lastRequestAt, e.updatedAt, a.sleepAfter"
                        + " from Environment e, Application a where a.id = e.applicationId and a.sleepAfter is not null"
                        + " and e.state = :ready and e.activeWorkflowId is null", Object[].class)
                .setParameter("ready", EnvironmentState.READY).getResultList());
        boolean permanentToo = config.environments().pausePermanent();
        int slept = 0;
        for (Object[] row : candidates) {
            String id = (String) row[0];
            if (row[1] != Environment.Kind.EPHEMERAL && !permanentToo) {
                continue;
            }
            OffsetDateTime lastRequest = (OffsetDateTime) row[2];
            OffsetDateTime changed = (OffsetDateTime) row[3];
            Instant since = lastRequest != null && lastRequest.isAfter(changed) ? lastRequest.toInstant()
                    : changed.toInstant();
            Duration idleAfter = SleepPolicy.of((String) row[4]).idleAfter();
            Duration idleFor = Duration.between(since, now);
            if (idleFor.compareTo(idleAfter) < 0) {
                continue;
            }
            try {
                if (conflicts.inTransaction(() -> idleStill(id, since) && actions.sleep(id, idleFor))) {
                    LOG.infof("environment %s: no request for %s (idle timeout %s), put it to sleep", id,
                            idleFor.withNanos(0), idleAfter);
                    slept++;
                }
            } catch (RuntimeException e) {
                // it changed since it was read (a push started a build, it was deleted): the next check looks again
                LOG.warnf("environment %s: not put to sleep: %s", id, e.getMessage());
            }
        }
        return slept;
    }

    /** Read again inside the sleep's transaction: a request recorded since the list was read keeps it awake. */
    private static boolean idleStill(String id, Instant since) {
        Environment env = Environment.findById(id);
        return env != null && (env.lastRequestAt == null || !env.lastRequestAt.toInstant().isAfter(since))
                && !env.updatedAt.toInstant().isAfter(since);
    }

    private void recordRequests() {
        Map<String, Instant> seen = activity == null ? Map.of() : activity.read();
        if (seen.isEmpty() || hosts == null) {
            return;
        }
        Map<String, String> byHost;
        try {
            byHost = hosts.environmentsByHost();
        } catch (IOException e) {
            LOG.warnf("the router's routes could not be read, %d host names' requests not recorded: %s", seen.size(),
                    e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Map<String, Instant> latest = new HashMap<>();
        seen.forEach((host, at) -> {
            String environment = byHost.get(host);
            if (environment != null) {
                latest.merge(environment, at, (a, b) -> a.isAfter(b) ? a : b);
            }
        });
        latest.forEach((environment, at) -> requestAt(environment, at));
    }

    /**
     * Records a request to the environment at {@code at}, unless a later one is recorded; a plain update of that one
     * column, which the process manager never writes, so it conflicts with nothing.
     */
    public static void requestAt(String environment, Instant at) {
        QuarkusTransaction.requiringNew().run(() -> Environment.getEntityManager().createNativeQuery(
                "update environment set last_request_at = ?1 where id = ?2"
                        + " and (last_request_at is null or last_request_at < ?1)")
                .setParameter(1, at.atOffset(ZoneOffset.UTC)).setParameter(2, environment).executeUpdate());
    }
}
