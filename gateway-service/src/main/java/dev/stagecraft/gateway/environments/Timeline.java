package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;

/** Writes an environment's timeline. */
final class Timeline {

    private Timeline() {
    }

    static void record(String environmentId, String workflowId, String ceId, String type, boolean applied, String detail) {
        TimelineEntry entry = new TimelineEntry();
        entry.environmentId = environmentId;
        entry.workflowId = workflowId;
        entry.ceId = ceId;
        entry.type = type;
        entry.applied = applied;
        entry.detail = detail;
        entry.occurredAt = OffsetDateTime.now();
        entry.persist();
    }
}
