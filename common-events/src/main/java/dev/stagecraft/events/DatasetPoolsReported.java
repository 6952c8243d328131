package dev.stagecraft.events;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * The datasets' pools as the setup-service that keeps them found them at {@code observedAt}: for each dataset,
 * whether its snapshot exists and how many copies are ready, being made and checked out. Published after a refill
 * pass that changed them, and every five minutes, about no single environment ({@code environmentId} is null); the
 * gateway keeps the newest per runtime and dataset for {@code GET /api/datasets} (each runtime keeps its own pool).
 */
public record DatasetPoolsReported(String environmentId, String workflowId, String runtime, List<DatasetPool> pools,
        OffsetDateTime observedAt) implements LifecycleEvent {

    public DatasetPoolsReported {
        pools = pools == null ? List.of() : List.copyOf(pools);
    }

    /** One dataset's pool: its size, its snapshot, its copies by state, and the last refill's error if it failed. */
    public record DatasetPool(String dataset, int poolSize, boolean snapshot, int ready, int filling, int checkedOut,
            String error) {
    }
}
