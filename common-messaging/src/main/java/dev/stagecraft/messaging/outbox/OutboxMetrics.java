package dev.stagecraft.messaging.outbox;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The outbox as operators watch it: {@code stagecraft_outbox_pending_messages},
 * {@code stagecraft_outbox_oldest_pending_age_seconds} and {@code stagecraft_outbox_parked_messages}, refreshed by
 * the relay after each pass.
 */
@ApplicationScoped
public class OutboxMetrics {

    private static final Duration REFRESH_EVERY = Duration.ofSeconds(2);

    @Inject
    MeterRegistry registry;

    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestAgeMillis = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();
    private volatile long refreshedAt;

    @PostConstruct
    void register() {
        Gauge.builder("stagecraft.outbox.pending.messages", pending, AtomicLong::get)
                .description("Outbox rows committed and not yet acknowledged by the broker").register(registry);
        Gauge.builder("stagecraft.outbox.oldest.pending.age", oldestAgeMillis, a -> a.get() / 1000.0)
                .baseUnit("seconds").description("Age of the oldest outbox row not yet sent").register(registry);
        Gauge.builder("stagecraft.outbox.parked.messages", parked, AtomicLong::get)
                .description("Outbox rows set aside because they could not be sent (GET /api/admin/outbox)")
                .register(registry);
    }

    /** Reads the figures again, at most every two seconds. */
    void refresh() {
        long now = System.nanoTime();
        if (now - refreshedAt < REFRESH_EVERY.toNanos()) {
            return;
        }
        refreshedAt = now;
        OutboxStatus status = QuarkusTransaction.requiringNew().call(OutboxStatus::counts);
        pending.set(status.pending());
        oldestAgeMillis.set(status.oldestPending() == null ? 0
                : Duration.between(status.oldestPending(), OffsetDateTime.now()).toMillis());
        parked.set(status.parkedCount());
    }
}
