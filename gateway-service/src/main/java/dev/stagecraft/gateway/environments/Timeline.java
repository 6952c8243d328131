package dev.stagecraft.gateway.environments;

import java.time.Clock;
import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.gateway.secrets.SecretMask;

/** Writes an environment's timeline, with the environment's secret values masked in each entry's detail. */
@ApplicationScoped
public class Timeline {

    @Inject
    Clock clock;

    @Inject
    SecretMask mask;

    void record(String environmentId, String workflowId, String ceId, String type, boolean applied, String detail) {
        TimelineEntry entry = new TimelineEntry();
        entry.environmentId = environmentId;
        entry.workflowId = workflowId;
        entry.ceId = ceId;
        entry.type = type;
        entry.applied = applied;
        entry.detail = mask.mask(environmentId, detail);
        entry.occurredAt = OffsetDateTime.now(clock);
        entry.persist();
    }
}
