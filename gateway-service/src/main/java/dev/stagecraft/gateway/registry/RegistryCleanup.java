package dev.stagecraft.gateway.registry;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentState;
import dev.stagecraft.gateway.environments.Workflow;
import dev.stagecraft.registry.ConfiguredRegistry;
import dev.stagecraft.registry.RegistryCalls;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes image tags from the registry that nothing uses any more, through the registry's API
 * ({@code DELETE /v2/<repository>/manifests/<digest>}; the registry's own garbage collection then frees the blobs,
 * which {@code registry_start} runs before the registry starts), logged in with the credentials of
 * {@code STAGECRAFT_REGISTRY_AUTH_FILE} when the registry asks for a login ({@link RegistryCalls}). A tag under
 * {@code <path>/stagecraft/} goes when: no environment that is not deleted runs it; no workflow that is running, or
 * that started within the grace period, names it; its image was built before the grace period; no other tag that
 * stays shares its manifest; and no build of its application is running (a build may be about to reuse it). The
 * grace period ({@code stagecraft.registry.grace}) should be at least twice the workflow deadline (a warning says so at start
 * otherwise), so no workflow can still come to use a tag it deletes.
 */
@ApplicationScoped
public class RegistryCleanup {

    private static final Logger LOG = Logger.getLogger(RegistryCleanup.class);

    @Inject
    GatewayConfig config;

    @Inject
    EntityManager em;

    @Inject
    ConfiguredRegistry registry;

    /** What one run did. */
    public record Result(List<String> deleted, int kept) {
    }

    void warnAboutAShortGrace(@Observes StartupEvent event) {
        Duration grace = config.registry().grace();
        Duration deadline = config.workflow().deadline();
        if (registry.calls().isPresent() && grace.compareTo(deadline.multipliedBy(2)) < 0) {
            LOG.warnf("stagecraft.registry.grace (%s) is shorter than twice the workflow deadline (%s): a workflow that"
                    + " is still running may lose an image it is about to use", grace, deadline);
        }
    }

    @Scheduled(every = "${stagecraft.registry.gc-every:1h}", delayed = "${stagecraft.registry.gc-first-after:10m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (registry.calls().isEmpty()) {
            return;
        }
        try {
            Result result = run(OffsetDateTime.now());
            if (!result.deleted().isEmpty()) {
                LOG.infof("registry clean-up deleted %d unused tags, kept %d: %s", result.deleted().size(),
                        result.kept(), result.deleted());
            }
        } catch (RuntimeException e) {
            LOG.warnf("registry clean-up did not run to the end: %s", e.getMessage());
        }
    }

    /** One clean-up as of {@code now}: what is in use is read first, then the registry is walked. */
    public Result run(OffsetDateTime now) {
        RegistryCalls calls = registry.calls().orElseThrow(() -> new IllegalStateException("no registry is"
                + " configured (STAGECRAFT_REGISTRY)"));
        OffsetDateTime cutoff = now.minus(config.registry().grace());
        Set<String> inUse = new HashSet<>();
        Set<String> building = new HashSet<>();
        QuarkusTransaction.requiringNew().run(() -> {
            for (Environment env : Environment.<Environment>list("state <> ?1", EnvironmentState.DELETED)) {
                inUse.addAll(env.images().values());
            }
            for (Workflow wf : Workflow.<Workflow>list("finishedAt is null or startedAt > ?1", cutoff)) {
                inUse.addAll(wf.images().values());
            }
            @SuppressWarnings("unchecked")
            List<String> apps = em.createNativeQuery("select distinct a.name from workflow w join environment e on"
                    + " e.id = w.environment_id join application a on a.id = e.application_id where w.stage = 'BUILD'"
                    + " and w.finished_at is null").getResultList();
            building.addAll(apps);
        });
        return new RegistrySweep(calls).run(inUse, building, cutoff);
    }
}
