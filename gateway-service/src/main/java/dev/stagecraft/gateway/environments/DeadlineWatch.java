package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import io.quarkus.scheduler.Scheduled;

/** Marks environments failed whose active workflow sent no event before its deadline. */
@ApplicationScoped
public class DeadlineWatch {

    @Inject
    Clock clock;

    @Inject
    EnvironmentProcess process;

    @Scheduled(every = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void check() {
        List<Environment> late = Environment.list("activeDeadline < ?1", OffsetDateTime.now(clock));
        for (Environment env : late) {
            process.expireDeadline(env);
        }
    }
}
