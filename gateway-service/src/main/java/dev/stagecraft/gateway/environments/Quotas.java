package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.config.GatewayConfig;
import io.quarkus.runtime.Startup;

/**
 * The limits of running environments and concurrent builds, per application ({@link Limits}) and for the installation
 * ({@code stagecraft.quotas.*}). It decides whether a new environment starts, waits (QUEUED) or makes room by evicting
 * another, starts queued environments and waiting builds when a slot frees, and tells {@link Lifecycle} whether a
 * build may start. Every decision is taken in the caller's transaction under one PostgreSQL advisory lock, so two
 * gateway replicas never both give away the last slot: the second waits for the first to commit and then counts again.
 */
@ApplicationScoped
@Startup // an unknown installation policy stops the gateway at start, not at the first pull request past a limit
public class Quotas {

    private static final Logger LOG = Logger.getLogger(Quotas.class);
    private static final List<EnvironmentState> RUNNING = Arrays.stream(EnvironmentState.values())
            .filter(EnvironmentState::running).toList();

    @Inject
    GatewayConfig config;

    @Inject
    EnvironmentProcess process;

    private String installationPolicy;

    @PostConstruct
    void init() {
        installationPolicy = Limits.checkedPolicy(config.quotas().overflow());
    }

    /**
     * Starts the new environment {@code env} at {@code commit} when its application and the installation have a running
     * slot for it; otherwise applies the overflow policy: {@code evict} makes room by pausing the least recently used
     * pull request environment of its application (tearing down those on the way that the quota had paused already)
     * and starts it; {@code queue}, or {@code evict} with nothing to evict, queues it. A new environment also queues
     * when others of its application are queued already: they were first.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void admit(Environment env, String commit, String causationId) {
        Application app = Application.findById(env.applicationId);
        if (app.maxRunningEnvironments == null && config.quotas().maxRunningEnvironments().isEmpty()
                && queued(app.id) == 0) {
            process.deploy(env, commit, causationId);
            return;
        }
        lock();
        String full = full(app, env.id);
        boolean queuedAhead = queued(app.id) > 0;
        if (full == null && !queuedAhead) {
            process.deploy(env, commit, causationId);
            return;
        }
        if (full != null && !queuedAhead && EVICT.equals(policy(app))) {
            List<Environment> candidates = evictable(app.id, env.id);
            if (candidates.stream().anyMatch(c -> c.state == EnvironmentState.READY)) {
                process.deploy(env, commit, causationId); // first, so the slot the eviction frees is this one's
                evict(candidates, env, full, causationId);
                return;
            }
            full = full + "; nothing could be evicted (no pull request environment of '" + app.name
                    + "' is READY with nothing running)";
        }
        String reason = full != null ? full : "environments of '" + app.name + "' queued before it go first";
        int position = (int) queued(app.id) + 1;
        process.queue(env, commit, position, reason, causationId);
        LOG.infof("environment %s queued at position %d: %s", env.id, position, reason);
    }

    /**
     * Room for a paused environment to resume: a slot is free, or the policy {@code evict} makes one (never by evicting
     * {@code env} itself). Null when there is room; otherwise why not.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public String roomToResume(Environment env) {
        Application app = Application.findById(env.applicationId);
        if (app.maxRunningEnvironments == null && config.quotas().maxRunningEnvironments().isEmpty()) {
            return null;
        }
        lock();
        String full = full(app, env.id);
        if (full == null) {
            return null;
        }
        if (EVICT.equals(policy(app))) {
            List<Environment> candidates = evictable(app.id, env.id);
            if (candidates.stream().anyMatch(c -> c.state == EnvironmentState.READY)) {
                evict(candidates, env, full, null);
                return null;
            }
        }
        return full;
    }

    /**
     * What follows a transition of {@code env} from {@code before}: when it gave up its running slot (paused, torn down,
     * deleted), the queued environments that now fit start, oldest first; when its build ended, the builds waiting for a
     * slot start, in the order they began to wait.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void afterTransition(Environment env, EnvironmentState before, boolean buildEnded) {
        if (before.running() && !env.state.running()) {
            startQueued();
        }
        if (buildEnded) {
            startWaitingBuilds();
        }
    }

    /** Starts every queued environment that fits its application's and the installation's limits, oldest first. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int startQueued() {
        lock();
        int started = 0;
        for (Environment queued : Environment.<Environment>list("state = ?1 order by queuedAt, id",
                EnvironmentState.QUEUED)) {
            Application app = Application.findById(queued.applicationId);
            if (full(app, queued.id) == null) {
                process.dequeue(queued);
                LOG.infof("environment %s left the queue: a running slot is free", queued.id);
                started++;
            }
        }
        return started;
    }

    /** Starts the builds waiting for a slot that fit now, in the order they began to wait. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void startWaitingBuilds() {
        lock();
        for (Environment waiting : Environment.<Environment>list(
                "buildWaitingSince is not null order by buildWaitingSince, id")) {
            process.buildSlotFreed(waiting);
        }
    }

    /**
     * Whether a build of environment {@code environmentId} may start now (see {@link Lifecycle.BuildSlots}): fewer
     * builds run than its application's and the installation's limits allow, and none that began to wait before it
     * waits still.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean takeBuildSlot(String environmentId, OffsetDateTime waitingSince) {
        Environment env = Environment.findById(environmentId);
        Application app = Application.findById(env.applicationId);
        Optional<Integer> installation = config.quotas().maxConcurrentBuilds();
        if (app.maxConcurrentBuilds == null && installation.isEmpty()) {
            return true;
        }
        lock();
        if (app.maxConcurrentBuilds != null && (builds(app.id, env.id) >= app.maxConcurrentBuilds
                || waitingAhead(app.id, env.id, waitingSince) > 0)) {
            return false;
        }
        return installation.isEmpty() || builds(null, env.id) < installation.get()
                && waitingAhead(null, env.id, waitingSince) == 0;
    }

    /** The place of a QUEUED environment among its application's queued environments (1: next); null otherwise. */
    public static Integer queuePosition(Environment env) {
        if (env.state != EnvironmentState.QUEUED || env.queuedAt == null) {
            return null;
        }
        long ahead = Environment.count("applicationId = ?1 and state = ?2 and (queuedAt < ?3 or (queuedAt = ?3 and"
                + " id < ?4))", env.applicationId, EnvironmentState.QUEUED, env.queuedAt, env.id);
        return (int) ahead + 1;
    }

    /** The place of an environment among the builds waiting for a slot (1: next); null when it does not wait. */
    public static Integer buildQueuePosition(Environment env) {
        if (env.buildWaitingSince == null) {
            return null;
        }
        long ahead = Environment.count("buildWaitingSince < ?1 or (buildWaitingSince = ?1 and id < ?2)",
                env.buildWaitingSince, env.id);
        return (int) ahead + 1;
    }

    // ---------------------------------------------------------------- counting, under the lock

    private static final String EVICT = Limits.EVICT;

    private String policy(Application app) {
        return app.overflow != null ? app.overflow : installationPolicy;
    }

    /** Why {@code app} has no running slot for environment {@code except}; null when it has one. */
    private String full(Application app, String except) {
        if (app.maxRunningEnvironments != null) {
            long running = running(app.id, except);
            if (running >= app.maxRunningEnvironments) {
                return "application '" + app.name + "' runs " + environments(running) + ", as many as its limit"
                        + " (maxRunningEnvironments " + app.maxRunningEnvironments + ") allows";
            }
        }
        Optional<Integer> installation = config.quotas().maxRunningEnvironments();
        if (installation.isPresent()) {
            long running = running(null, except);
            if (running >= installation.get()) {
                return "the installation runs " + environments(running) + ", as many as its limit"
                        + " (STAGECRAFT_MAX_RUNNING_ENVIRONMENTS " + installation.get() + ") allows";
            }
        }
        return null;
    }

    /**
     * The pull request environments of the application that eviction may take, least recently used first: READY ones
     * with nothing running (paused) and those the quota paused before (torn down). Tracked branches are permanent and
     * never evicted; a pause by a person or a schedule is theirs.
     */
    private static List<Environment> evictable(String applicationId, String except) {
        return Environment.list("applicationId = ?1 and kind = ?2 and id <> ?3 and ((state = ?4 and activeWorkflowId"
                + " is null) or (state = ?5 and pausedBy = 'quota')) order by usedAt, createdAt, id", applicationId,
                Environment.Kind.EPHEMERAL, except, EnvironmentState.READY, EnvironmentState.PAUSED);
    }

    /**
     * Walks the candidates from the least recently used: one the quota paused before is torn down, the first READY one
     * is paused, which frees its slot for {@code forEnv}, and the walk ends.
     */
    private void evict(List<Environment> candidates, Environment forEnv, String full, String causationId) {
        String whom = forEnv.pullRequest != null ? "environment " + forEnv.id + " (pull request #" + forEnv.pullRequest
                + ")" : "environment " + forEnv.id;
        for (Environment victim : candidates) {
            boolean pause = victim.state == EnvironmentState.READY;
            String reason = (pause ? "paused" : "torn down, having been paused for the same reason and not used since,")
                    + " to make room for " + whom + ": " + full;
            process.evict(victim, forEnv.id, reason, causationId);
            LOG.infof("environment %s evicted: %s", victim.id, reason);
            if (pause) {
                return;
            }
        }
    }

    private static String environments(long count) {
        return count + (count == 1 ? " environment" : " environments");
    }

    private static long running(String applicationId, String except) {
        return applicationId == null
                ? Environment.count("state in ?1 and id <> ?2", RUNNING, except)
                : Environment.count("applicationId = ?1 and state in ?2 and id <> ?3", applicationId, RUNNING, except);
    }

    private static long queued(String applicationId) {
        return Environment.count("applicationId = ?1 and state = ?2", applicationId, EnvironmentState.QUEUED);
    }

    private static long builds(String applicationId, String except) {
        String query = "select count(e) from Environment e, Workflow w where w.id = e.activeWorkflowId and w.stage = :build"
                + " and e.id <> :except" + (applicationId == null ? "" : " and e.applicationId = :app");
        var q = Environment.getEntityManager().createQuery(query, Long.class).setParameter("build", Stage.BUILD)
                .setParameter("except", except);
        if (applicationId != null) {
            q.setParameter("app", applicationId);
        }
        return q.getSingleResult();
    }

    private static long waitingAhead(String applicationId, String except, OffsetDateTime since) {
        String where = (applicationId == null ? "" : "applicationId = :app and ") + "id <> :except and"
                + " buildWaitingSince is not null" + (since == null ? ""
                        : " and (buildWaitingSince < :since or (buildWaitingSince = :since and id < :except))");
        var q = Environment.getEntityManager().createQuery("select count(e) from Environment e where " + where,
                Long.class).setParameter("except", except);
        if (applicationId != null) {
            q.setParameter("app", applicationId);
        }
        if (since != null) {
            q.setParameter("since", since);
        }
        return q.getSingleResult();
    }

    private static void lock() {
        // one lock per schema (the gateway's, shared by its replicas), held until the transaction ends; taking it again
        // in the same transaction does not wait
        Environment.getEntityManager().createNativeQuery(
                "select 1 from pg_advisory_xact_lock(hashtext(current_schema() || '/quotas'))").getSingleResult();
    }
}
