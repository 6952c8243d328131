package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Pauses and resumes environments by their pause schedules ({@link PauseSchedule}: the environment's own, else its
 * application's). Every {@code stagecraft.environments.schedule-check} it pauses the READY environments with nothing
 * running whose schedule says now is a pause window, and resumes those it paused itself once the window is over. An
 * environment a person paused stays paused; one a person resumed inside a window runs until that window ends. Like
 * the expiry, it asks the database, so a window that began while the gateway was down is acted on at the next check.
 */
@ApplicationScoped
public class PauseScheduler {

    private static final Logger LOG = Logger.getLogger(PauseScheduler.class);

    @Inject
    Clock clock;

    @Inject
    EnvironmentActions actions;

    @Inject
    ConflictRetry conflicts;

    @Inject
    GatewayConfig config;

    @Scheduled(every = "${stagecraft.environments.schedule-check:60s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void onSchedule() {
        check(clock.instant());
    }

    /** Pauses and resumes what the schedules say at {@code now}; returns how many environments it acted on. */
    public int check(Instant now) {
        boolean permanentToo = config.environments().pausePermanent();
        // environments with a schedule, and those the schedule paused whatever their schedule is now (one removed
        // or cleared since still resumes what it paused)
        List<Object[]> candidates = QuarkusTransaction.requiringNew().call(() -> Environment.getEntityManager()
                .createQuery("select e.id, e.state, e.kind, e.pausedBy, e.scheduleSkipUntil, e.pauseScheduleSet,"
                        + " e.pauseSchedule, a.pauseSchedule from Environment e, Application a"
                        + " where a.id = e.applicationId and e.state in :states and e.activeWorkflowId is null"
                        + " and ((e.pauseScheduleSet = true and e.pauseSchedule is not null)"
                        + " or (e.pauseScheduleSet = false and a.pauseSchedule is not null)"
                        + " or (e.state = :paused and e.pausedBy = 'schedule'))", Object[].class)
                .setParameter("states", List.of(EnvironmentState.READY, EnvironmentState.PAUSED))
                .setParameter("paused", EnvironmentState.PAUSED).getResultList());
        int acted = 0;
        for (Object[] row : candidates) {
            String id = (String) row[0];
            try {
                EnvironmentState state = (EnvironmentState) row[1];
                boolean eligible = row[2] == Environment.Kind.EPHEMERAL || permanentToo;
                String pausedBy = (String) row[3];
                OffsetDateTime skipUntil = (OffsetDateTime) row[4];
                String json = (boolean) row[5] ? (String) row[6] : (String) row[7];
                PauseSchedule schedule = json == null ? null : PauseSchedule.parse(json);
                boolean window = eligible && schedule != null && schedule.pausedAt(now);
                if (window && state == EnvironmentState.READY && unheld(skipUntil, now)) {
                    // read again in the action's transaction: a person may have resumed it since the list was read
                    if (conflicts.inTransaction(() -> {
                        Environment env = Environment.findById(id);
                        if (env == null || env.state != EnvironmentState.READY || !unheld(env.scheduleSkipUntil, now)) {
                            return false;
                        }
                        actions.pause(id, EnvironmentActions.Actor.SCHEDULE);
                        return true;
                    })) {
                        LOG.infof("environment %s: its pause schedule paused it", id);
                        acted++;
                    }
                } else if (!window && state == EnvironmentState.PAUSED && "schedule".equals(pausedBy)) {
                    // the action checks again that the schedule paused it: a person may have paused it since
                    conflicts.inTransaction(() -> actions.resume(id, EnvironmentActions.Actor.SCHEDULE));
                    LOG.infof("environment %s: %s, resumed it", id, schedule == null || !eligible
                            ? "the schedule that paused it is gone" : "its pause window is over");
                    acted++;
                }
            } catch (RuntimeException e) {
                // the environment changed since it was read (a workflow started, it was deleted), or its schedule
                // cannot be read: the others are still looked at, and the next check sees this one again
                LOG.warnf("environment %s: not acted on by its pause schedule: %s", id, e.getMessage());
            }
        }
        return acted;
    }

    /** Whether a person's resume no longer holds the schedule back at {@code now}. */
    private static boolean unheld(OffsetDateTime skipUntil, Instant now) {
        return skipUntil == null || !now.isBefore(skipUntil.toInstant());
    }
}
