package dev.stagecraft.events;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * What the teardown-service found in its runtime at {@code observedAt}: the ids of every environment that has
 * something Stagecraft created (by label). Published periodically, about no single environment (so
 * {@code environmentId} is null); the gateway tears down again any environment it had deleted before that moment.
 */
public record RuntimeInventoried(String environmentId, String workflowId, String runtime,
        List<String> environmentIds, OffsetDateTime observedAt) implements LifecycleEvent {
}
