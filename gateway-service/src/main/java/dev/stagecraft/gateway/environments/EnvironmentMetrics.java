package dev.stagecraft.gateway.environments;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * {@code stagecraft_environments{state}}: how many environments are in each state, every state listed (deleted ones
 * too, which retention removes in time), counted in one query every {@code stagecraft.metrics.environments-every}.
 */
@ApplicationScoped
public class EnvironmentMetrics {

    private static final Logger LOG = Logger.getLogger(EnvironmentMetrics.class);

    @Inject
    MeterRegistry registry;

    @Inject
    EntityManager em;

    private final Map<EnvironmentState, AtomicLong> counts = new EnumMap<>(EnvironmentState.class);
    private volatile boolean failing;

    @PostConstruct
    void register() {
        for (EnvironmentState state : EnvironmentState.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(state, count);
            Gauge.builder("stagecraft.environments", count, AtomicLong::get)
                    .description("Environments in each state").tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
    }

    @Scheduled(every = "${stagecraft.metrics.environments-every:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        try {
            List<Object[]> rows = QuarkusTransaction.requiringNew().call(() -> em.createQuery(
                    "select e.state, count(e) from Environment e group by e.state", Object[].class).getResultList());
            Map<EnvironmentState, Long> seen = new EnumMap<>(EnvironmentState.class);
            rows.forEach(row -> seen.put((EnvironmentState) row[0], (Long) row[1]));
            counts.forEach((state, count) -> count.set(seen.getOrDefault(state, 0L)));
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warnf("environments by state not counted (the figures stay as they were until they are): %s",
                        e.getMessage());
            }
            failing = true;
        }
    }
}
