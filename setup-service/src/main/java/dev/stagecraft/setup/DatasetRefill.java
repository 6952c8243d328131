package dev.stagecraft.setup;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.events.DatasetPoolsReported;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.datasets.DatasetPools;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Keeps the pool of every configured dataset full in the background, on every enabled runtime that keeps datasets
 * ({@link DatasetPools}): at start and every {@code stagecraft.dataset-refill-every} seconds it restores a snapshot
 * that is missing, makes the copies a pool lacks (checkouts took them) and sweeps copies of older dumps and copies
 * nothing holds. Several setup-service instances may refill at once: each runtime claims a copy in a way only one
 * claimant wins, so they may overfill a pool a little but never hand one copy out twice. After each pass
 * it publishes the pools ({@link DatasetPoolsReported}), which the gateway shows at {@code GET /api/datasets}.
 */
@ApplicationScoped
public class DatasetRefill {

    private static final Logger LOG = Logger.getLogger(DatasetRefill.class);

    @Inject
    Runtimes runtimes;

    /** Seconds between two passes. */
    @ConfigProperty(name = "stagecraft.dataset-refill-every", defaultValue = "10")
    int refillEvery;

    @Inject
    MeterRegistry registry;

    @Inject
    Outbox outbox;

    private ScheduledExecutorService timer;

    /** What was published last and when: the same pools are published again only after {@link #REPEAT}. */
    private final Map<String, List<DatasetPoolsReported.DatasetPool>> published = new ConcurrentHashMap<>();
    private final Map<String, Long> publishedAt = new ConcurrentHashMap<>();
    /** How often unchanged pools are reported anyway, so the gateway's "seen" stays recent. */
    private static final long REPEAT = TimeUnit.MINUTES.toNanos(5);

    void start(@Observes StartupEvent event) {
        Map<String, DatasetPools> pools = new LinkedHashMap<>();
        runtimes.enabled().forEach((name, runtime) -> runtime.datasetPools()
                .filter(p -> !p.datasets().isEmpty()).ifPresent(p -> pools.put(name, p)));
        if (pools.isEmpty()) {
            LOG.debug("datasets: none configured (stagecraft.datasets.<name>.*)");
            return;
        }
        pools.forEach((runtime, datasets) -> LOG.infof("datasets: keeping the pools of %s on %s, refilled every %d s",
                datasets.datasets().keySet(), runtime, refillEvery));
        timer = Executors.newScheduledThreadPool(pools.size(), r -> {
            Thread t = new Thread(r, "dataset-refill");
            t.setDaemon(true);
            return t;
        });
        pools.forEach((runtime, datasets) -> {
            for (Dataset dataset : datasets.datasets().values()) {
                Gauge.builder("stagecraft.dataset.pool.ready", () -> readyCopies(datasets, dataset))
                        .tag("dataset", dataset.name()).tag("runtime", runtime)
                        .description("Ready copies in the dataset's pool").register(registry);
            }
            timer.scheduleWithFixedDelay(() -> {
                try {
                    refill(runtime, datasets);
                } catch (Throwable e) { // a scheduled task that throws is never run again: say why, and go on
                    LOG.errorf(e, "datasets on %s: refill pass failed", runtime);
                }
            }, 0, refillEvery, TimeUnit.SECONDS);
        });
    }

    private static double readyCopies(DatasetPools datasets, Dataset dataset) {
        try {
            return datasets.status(dataset).ready();
        } catch (RuntimeException engineAway) {
            return Double.NaN;
        }
    }

    /**
     * One pass over every dataset; one that fails (a broken dump, say) is logged and does not stop the others. The
     * pools as they are then are published ({@link DatasetPoolsReported}), with each failure's reason, when they
     * changed or were last published five minutes ago.
     */
    private void refill(String runtime, DatasetPools datasets) {
        Map<String, String> errors = new HashMap<>();
        for (Dataset dataset : datasets.datasets().values()) {
            try {
                int made = datasets.refill(dataset);
                if (made > 0) {
                    LOG.infof("dataset %s: made %d copies; pool %s", dataset.name(), made, datasets.status(dataset));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                errors.put(dataset.name(), e.getMessage());
                LOG.warnf("dataset %s: pool not refilled: %s", dataset.name(), e.getMessage());
            }
        }
        try {
            OffsetDateTime observedAt = OffsetDateTime.now();
            List<DatasetPoolsReported.DatasetPool> pools = datasets.status().stream()
                    .map(p -> new DatasetPoolsReported.DatasetPool(p.dataset(), p.poolSize(), p.snapshot(), p.ready(),
                            p.filling(), p.checkedOut(), errors.get(p.dataset())))
                    .toList();
            if (pools.equals(published.get(runtime))
                    && System.nanoTime() - publishedAt.getOrDefault(runtime, 0L) < REPEAT) {
                return; // nothing changed: no record every pass on the lifecycle topic
            }
            QuarkusTransaction.requiringNew().run(() -> outbox.publish(new DatasetPoolsReported(null, null, runtime,
                    pools, observedAt), null));
            published.put(runtime, pools);
            publishedAt.put(runtime, System.nanoTime());
        } catch (RuntimeException e) {
            LOG.warnf("datasets: pools not reported: %s", e.getMessage());
        }
        try {
            List<String> removed = datasets.sweep();
            if (!removed.isEmpty()) {
                LOG.infof("datasets: swept %s", removed);
            }
        } catch (RuntimeException e) {
            LOG.warnf("datasets: not swept: %s", e.getMessage());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
