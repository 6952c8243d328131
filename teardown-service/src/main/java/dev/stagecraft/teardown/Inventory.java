package dev.stagecraft.teardown;

import java.time.OffsetDateTime;
import java.util.ArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.stagecraft.events.RuntimeInventoried;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.runtime.EnvironmentRuntime;
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
    EnvironmentRuntime runtime;

    @Inject
    Outbox outbox;

    @ConfigProperty(name = "stagecraft.runtime.kind", defaultValue = "docker")
    String runtimeKind;

    @Scheduled(every = "${stagecraft.inventory.every}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void take() {
        OffsetDateTime observedAt = OffsetDateTime.now();
        var ids = new ArrayList<>(runtime.environmentsWithResources());
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(new RuntimeInventoried(null, null, runtimeKind, ids,
                observedAt), null));
        LOG.debugf("inventory: %d environment(s) with resources", ids.size());
    }
}
