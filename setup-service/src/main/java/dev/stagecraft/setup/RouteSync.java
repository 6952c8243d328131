package dev.stagecraft.setup;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.docker.DockerRuntime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Keeps the router's routes pointing at the Docker runtime's running services: at start and every
 * {@code stagecraft.router.sync-every} seconds, so routes follow containers whose addresses changed when the engine
 * restarted, and come back when the router restarted without its configuration.
 */
@ApplicationScoped
public class RouteSync {

    private static final Logger LOG = Logger.getLogger(RouteSync.class);

    @Inject
    Runtimes runtimes;

    @Inject
    SetupConfig config;

    @Inject
    MeterRegistry registry;

    private final AtomicInteger routes = new AtomicInteger();

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent event) {
        if (!(runtimes.enabled().get("docker") instanceof DockerRuntime docker)) {
            return;
        }
        Gauge.builder("stagecraft.router.routes", routes, AtomicInteger::get)
                .description("Routes on the router after the last route sync").register(registry);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "route-sync");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                int routed = docker.syncRoutes();
                routes.set(routed);
                LOG.debugf("router: %d routes in place", routed);
            } catch (RuntimeException e) {
                LOG.warnf("router: routes not synchronised: %s", e.getMessage());
            }
        }, 0, config.syncEvery(), TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
