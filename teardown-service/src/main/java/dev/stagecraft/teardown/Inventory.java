package dev.stagecraft.teardown;

import java.time.OffsetDateTime;
import java.util.ArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.events.RuntimeInventoried;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.runtime.Runtimes;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Periodically lists the environments that have resources in the runtime and publishes the list
 * ({@link RuntimeInventoried}); the gateway tears down again those it had already deleted. The backstop for a
 * teardown that reported success while something survived, or resources a crashed stage left behind.
 */
@ApplicationScoped
public class Inventory {

    private static final Logger LOG = Logger.getLogger(Inventory.class);

    @Inject
    Runtimes runtimes;

    @Inject
    Outbox outbox;

    @Scheduled(every = "${stagecraft.inventory.every}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void take() {
        runtimes.enabled().forEach((name, runtime) -> {
            try {
                OffsetDateTime observedAt = OffsetDateTime.now();
                var ids = new ArrayList<>(runtime.environmentsWithResources());
                QuarkusTransaction.requiringNew().run(() -> outbox.publish(new RuntimeInventoried(null, null, name,
                        ids, observedAt), null));
                LOG.debugf("inventory of %s: %d environment(s) with resources", name, ids.size());
            } catch (RuntimeException e) {
                LOG.warnf("inventory of the %s runtime failed: %s", name, e.getMessage());
            }
        });
    }
}
