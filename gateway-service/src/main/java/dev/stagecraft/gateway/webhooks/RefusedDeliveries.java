package dev.stagecraft.gateway.webhooks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Deliveries anyone on the internet can send: a bad or missing signature, or a repository no application is
 * registered for. They are not stored row by row (a flood would fill the delivery table); each is counted in
 * {@code stagecraft_webhook_refused_total{provider, reason}}, and logged at most once a minute per provider and
 * reason, with how many were not logged since.
 */
@ApplicationScoped
public class RefusedDeliveries {

    public static final String BAD_SIGNATURE = "bad_signature";
    public static final String UNKNOWN_REPOSITORY = "unknown_repository";
    private static final Logger LOG = Logger.getLogger(RefusedDeliveries.class);
    static final Duration LOG_EVERY = Duration.ofMinutes(1);

    @Inject
    MeterRegistry registry;

    private record Key(String provider, String reason) {
    }

    private static final class Window {
        volatile long loggedAt = Long.MIN_VALUE;
        final AtomicLong suppressed = new AtomicLong();
    }

    private final Map<Key, Window> windows = new ConcurrentHashMap<>();

    /**
     * Counts a refused delivery and logs it unless one of its kind was logged within the last minute; returns whether
     * it logged.
     */
    public boolean refused(String provider, String reason, String detail) {
        Counter.builder("stagecraft.webhook.refused").description("Webhook deliveries refused without being stored")
                .tag("provider", provider).tag("reason", reason).register(registry).increment();
        Window window = windows.computeIfAbsent(new Key(provider, reason), k -> new Window());
        long now = System.nanoTime();
        synchronized (window) {
            if (window.loggedAt != Long.MIN_VALUE && now - window.loggedAt < LOG_EVERY.toNanos()) {
                window.suppressed.incrementAndGet();
                return false;
            }
            window.loggedAt = now;
        }
        long quiet = window.suppressed.getAndSet(0);
        LOG.warnf("refused a %s webhook delivery (%s): %s%s", provider, reason, detail,
                quiet == 0 ? "" : "; " + quiet + " more of these were refused in the last minute without a log line");
        return true;
    }
}
