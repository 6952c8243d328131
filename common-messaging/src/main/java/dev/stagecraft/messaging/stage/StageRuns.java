package dev.stagecraft.messaging.stage;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import org.jboss.logging.Logger;

import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.messaging.LogStream;
import dev.stagecraft.messaging.MessagingConfig;
import dev.stagecraft.messaging.outbox.MessageTooLargeException;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.messaging.tracing.MessageTracing;
import dev.stagecraft.messaging.tracing.TraceContext;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs a stage service's commands outside the Kafka poll loop: a command is recorded as a run (once, whatever the
 * redeliveries), acknowledged, worked on in a pool, and its outcome event is written with the run's final status
 * in one transaction.
 *
 * <p>A run is owned by one instance at a time through a lease in PostgreSQL ({@code owner}, {@code lease_until}),
 * renewed every third of {@code stagecraft.stage.lease} while the instance works on it. Every such tick also takes
 * over unfinished runs whose lease expired (their instance died), runs nobody owns, and this instance's own runs
 * from before a restart (the instance id, {@code stagecraft.instance-id}, stays the same across restarts of one
 * instance), as far as the pool has room. A run whose lease this instance lost is cancelled here, and only the
 * owner may finish a run, so an outcome is published once. A run started more than
 * {@code stagecraft.stage.max-attempts} times fails its workflow instead of being started again. A stopping
 * instance gives its leases back so another one continues at once.
 *
 * <p>A run keeps the trace context its command arrived in, and each start of it is a span in that trace
 * ({@code run <command>}), whichever instance starts it and however long after: what the work publishes, and the
 * runtime's and registry's calls, belong to the webhook's or the click's trace.
 */
@ApplicationScoped
public class StageRuns {

    private static final Logger LOG = Logger.getLogger(StageRuns.class);

    @Inject
    Instance<StageHandler> handlers;

    @Inject
    Outbox outbox;

    @Inject
    LogStream logStream;

    @Inject
    EntityManager em;

    @Inject
    MessagingConfig config;

    @Inject
    MeterRegistry meters;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    MessageTracing tracing;

    private final Map<String, RunControl> active = new ConcurrentHashMap<>();
    private final Set<String> claiming = ConcurrentHashMap.newKeySet();
    private ExecutorService pool;
    ScheduledExecutorService leases;
    private ScheduledExecutorService heartbeats;
    private volatile boolean stopping;
    private volatile long renewedAt = System.nanoTime();

    /**
     * A StageRuns of its own on this one's handlers, outbox, log stream and database, with {@code config} (its own
     * instance id and lease): another instance of the stage service, as a test runs several in one JVM. Not started.
     */
    StageRuns withConfig(MessagingConfig config) {
        StageRuns other = new StageRuns();
        other.handlers = handlers;
        other.outbox = outbox;
        other.logStream = logStream;
        other.em = em;
        other.config = config;
        other.meters = meters;
        other.transactions = transactions;
        other.tracing = tracing;
        return other;
    }

    void onStart(@Observes StartupEvent event) {
        if (handlers.isUnsatisfied()) {
            return;
        }
        pool = Executors.newFixedThreadPool(config.stage().concurrency(), r -> {
            Thread t = new Thread(r, "stage-run");
            t.setDaemon(true);
            return t;
        });
        leases = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stage-leases");
            t.setDaemon(true);
            return t;
        });
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stage-heartbeat");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("stagecraft.stage.runs.in.flight", active, Map::size)
                .description("Workflows this instance is working on").register(meters);
        // every outcome's series from the start, at 0: a failure-rate alert on increase() sees the first failure too
        for (StageRun.Status outcome : List.of(StageRun.Status.SUCCEEDED, StageRun.Status.FAILED,
                StageRun.Status.CANCELLED)) {
            workflowTimer(config.serviceName(), outcome);
        }
        MessagingConfig.Stage stage = config.stage();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, stage.heartbeat().toMillis(), stage.heartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.infof("stage runs of instance %s: lease %s, at most %d attempts", config.instanceId(), stage.lease(),
                stage.maxAttempts());
        leases.scheduleWithFixedDelay(this::tick, 0, Math.max(100, stage.lease().toMillis() / 3),
                TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (pool == null) {
            return;
        }
        stopping = true;
        leases.shutdownNow();
        heartbeats.shutdownNow();
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        release(List.copyOf(active.keySet()));
    }

    /**
     * Takes a command from the stage's topic. Called on the consumer thread; returns once the run is recorded.
     * A redelivered command (same workflow) is ignored; a CancelRequested stops the run it names, wherever it runs.
     *
     * <p>When the pool has room, one transaction records the run, takes its lease and publishes its started event, and
     * the pool starts the work at once: a command costs one commit before its work begins. Otherwise the run is only
     * recorded, and claimed and announced when a thread takes it up.
     *
     * <p>A CancelRequested for the run comes on the same partition (commands are keyed by environment), so this
     * instance reads it only after this method returned and the run is in {@code active}; one read by another
     * instance after a rebalance reaches the run through its row at the next lease renewal.
     */
    public void accept(CloudEvent command) {
        if (command.data() instanceof CancelRequested cancel) {
            cancel(cancel.workflowId(), cancel.reason());
            return;
        }
        boolean startNow = !stopping && active.size() < config.stage().concurrency();
        // a lease tick must not take the run up between this commit and the launch: it would run it a second time
        boolean guarded = claiming.add(command.workflowId());
        StageRun run;
        try {
            run = QuarkusTransaction.requiringNew().call(() -> {
                StageRun recorded = record(command, startNow ? StageRun.Status.RUNNING : StageRun.Status.ACCEPTED);
                if (recorded != null && startNow) {
                    em.flush();
                    claim(recorded.workflowId);
                    outbox.publish(handlerOf(command).started(command), command.id());
                }
                return recorded;
            });
            if (run != null && startNow) {
                launch(run, true);
            }
        } finally {
            if (guarded) {
                claiming.remove(command.workflowId());
            }
        }
        if (run != null && !startNow) {
            claimAndLaunch(run.workflowId, false);
        }
    }

    private StageRun record(CloudEvent command, StageRun.Status status) {
        if (StageRun.findById(command.workflowId()) != null) {
            return null;
        }
        StageRun run = new StageRun();
        run.workflowId = command.workflowId();
        run.environmentId = command.subject();
        run.commandId = command.id();
        run.commandType = command.type();
        run.command = EventJson.write(command.data());
        run.status = status;
        run.acceptedAt = OffsetDateTime.now();
        TraceContext trace = MessageTracing.current(); // the consumer's span, in the trace the command came in
        if (trace != null) {
            run.traceparent = trace.traceparent();
            run.tracestate = trace.tracestate();
        }
        run.persist();
        return run;
    }

    /** Stops the run here if it runs here, and tells whichever instance runs it through the run's row. */
    private void cancel(String workflowId, String reason) {
        RunControl control = active.get(workflowId);
        if (control != null) {
            control.cancel(reason);
        }
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "update stage_run set cancel_reason = :reason where workflow_id = :id and finished_at is null")
                .setParameter("reason", reason == null ? "cancelled" : reason).setParameter("id", workflowId)
                .executeUpdate());
    }

    /** One lease tick: renew what runs here, then take over what nobody runs. */
    void tick() {
        try {
            renew();
            renewedAt = System.nanoTime();
        } catch (RuntimeException e) {
            LOG.warnf("leases of stage runs not renewed: %s", e.getMessage());
            if (System.nanoTime() - renewedAt > config.stage().lease().toNanos()) {
                // another instance may take these runs over now: stop rather than work on them twice
                active.values().forEach(c -> c.cancel("this instance could not renew its lease for "
                        + config.stage().lease()));
            }
            return;
        }
        try {
            takeOver();
        } catch (RuntimeException e) {
            LOG.warnf("unowned stage runs not looked for: %s", e.getMessage());
        }
    }

    private void renew() {
        List<String> ids = List.copyOf(active.keySet());
        if (ids.isEmpty()) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<Object[]> renewed = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "update stage_run set lease_until = now() + make_interval(secs => :secs) where owner = :me"
                        + " and finished_at is null and workflow_id in (:ids) returning workflow_id, cancel_reason")
                .setParameter("secs", config.stage().lease().toMillis() / 1000.0)
                .setParameter("me", config.instanceId())
                .setParameter("ids", ids).getResultList());
        Set<String> kept = new HashSet<>();
        for (Object[] row : renewed) {
            kept.add((String) row[0]);
            if (row[1] != null) {
                RunControl control = active.get((String) row[0]);
                if (control != null) {
                    control.cancel((String) row[1]);
                }
            }
        }
        for (String id : ids) {
            RunControl control = active.get(id);
            if (!kept.contains(id) && control != null && !control.cancelled()) {
                LOG.warnf("lost the lease of %s: another instance runs it now, or it finished", id);
                control.cancel("this instance lost the run's lease");
            }
        }
    }

    private void takeOver() {
        int room = config.stage().concurrency() - active.size();
        if (room <= 0 || stopping) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> candidates = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "select workflow_id from stage_run where finished_at is null"
                        + " and (owner is null or owner = :me or lease_until < now()) order by accepted_at limit :n")
                .setParameter("me", config.instanceId()).setParameter("n", room + active.size()).getResultList());
        for (String id : candidates) {
            if (active.size() >= config.stage().concurrency()) {
                return;
            }
            claimAndLaunch(id, true);
        }
    }

    /** Takes the run's lease and starts it here, unless it runs here already or another instance holds it. */
    private void claimAndLaunch(String workflowId, boolean takingOver) {
        if (active.containsKey(workflowId) || !claiming.add(workflowId)) {
            return;
        }
        try {
            StageRun run = QuarkusTransaction.requiringNew().call(() -> claim(workflowId)
                    ? StageRun.<StageRun>findById(workflowId) : null);
            if (run == null) {
                return;
            }
            if (takingOver) {
                LOG.infof("taking over %s %s of environment %s (attempt %d)", run.commandType, run.workflowId,
                        run.environmentId, run.attempts);
            }
            launch(run, false);
        } finally {
            claiming.remove(workflowId);
        }
    }

    /**
     * Takes the run's lease for this instance, in the caller's transaction, unless another live instance holds it or
     * it finished. Returns whether it was taken.
     */
    private boolean claim(String workflowId) {
        return em.createNativeQuery("update stage_run set owner = :me,"
                + " lease_until = now() + make_interval(secs => :secs), attempts = attempts + 1"
                + " where workflow_id = :id and finished_at is null"
                + " and (owner is null or owner = :me or lease_until < now())")
                .setParameter("me", config.instanceId())
                .setParameter("secs", config.stage().lease().toMillis() / 1000.0)
                .setParameter("id", workflowId).executeUpdate() == 1;
    }

    /** Gives the leases of runs a stopping instance did not finish back, so another instance continues at once. */
    private void release(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            int released = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("update stage_run"
                    + " set owner = null, lease_until = null, attempts = greatest(attempts - 1, 0), status = 'ACCEPTED'"
                    + " where owner = :me and finished_at is null and workflow_id in (:ids)")
                    .setParameter("me", config.instanceId()).setParameter("ids", ids).executeUpdate());
            LOG.infof("gave back %d unfinished stage runs", released);
        } catch (RuntimeException e) {
            LOG.warnf("leases of %d stage runs not given back (they expire instead): %s", ids.size(), e.getMessage());
        }
    }

    /** Starts the run in the pool; {@code announced}: its lease is taken and its started event published already. */
    private void launch(StageRun run, boolean announced) {
        MessageType type = MessageType.ofCeType(run.commandType).orElseThrow();
        StagecraftMessage data = EventJson.read(run.command, type.javaType());
        CloudEvent command = new CloudEvent(run.commandId, run.commandType, null, run.environmentId, run.acceptedAt,
                run.workflowId, null, data);
        RunControl control = new RunControl(run.environmentId, run.workflowId, run.commandId, this);
        active.put(run.workflowId, control);
        TraceContext trace = run.traceparent == null ? null : new TraceContext(run.traceparent, run.tracestate);
        String name = type.javaType().getSimpleName();
        int attempt = announced ? 1 : run.attempts; // accept() claimed it once, after reading the row
        try {
            pool.submit(() -> {
                Span span = tracing.startRun(name, run.environmentId, run.workflowId, attempt, trace);
                try (Scope ignored = span.makeCurrent()) {
                    control.trace(Context.current());
                    execute(command, control, announced, span);
                } finally {
                    span.end();
                }
            });
        } catch (RejectedExecutionException stoppingNow) {
            active.remove(run.workflowId);
        }
    }

    /** The handler of {@code command}'s type among the service's handlers. */
    private StageHandler handlerOf(CloudEvent command) {
        return handlers.stream().filter(h -> h.handles(command)).findFirst().orElseThrow(() ->
                new IllegalStateException("no handler in this service for " + command.type()));
    }

    private void execute(CloudEvent command, RunControl control, boolean announced, Span span) {
        StageHandler handler = handlerOf(command);
        String workflowId = command.workflowId();
        boolean interrupted = false;
        try {
            boolean go = announced || QuarkusTransaction.requiringNew().call(() -> {
                StageRun run = em.find(StageRun.class, workflowId, LockModeType.PESSIMISTIC_WRITE);
                if (run == null || run.status.finished() || !config.instanceId().equals(run.owner)) {
                    return false;
                }
                if (run.cancelReason != null) {
                    end(run, StageRun.Status.CANCELLED, handler.failed(command, null, "cancelled: " + run.cancelReason),
                            command.id());
                    return false;
                }
                if (run.attempts > config.stage().maxAttempts()) {
                    end(run, StageRun.Status.FAILED, handler.failed(command, null, "gave up after "
                            + config.stage().maxAttempts() + " attempts: the service stopped each time while working on"
                            + " it"), command.id());
                    return false;
                }
                run.status = StageRun.Status.RUNNING;
                outbox.publish(handler.started(command), command.id());
                return true;
            });
            if (!go) {
                return;
            }
            StageOutcome outcome;
            StageRun.Status status;
            control.working(true);
            try {
                control.checkCancelled();
                outcome = handler.run(command, control);
                status = outcome instanceof StageOutcome.Failed ? StageRun.Status.FAILED : StageRun.Status.SUCCEEDED;
            } catch (RunCancelledException e) {
                outcome = handler.failed(command, null, "cancelled: " + e.getMessage());
                status = StageRun.Status.CANCELLED;
            } catch (Throwable e) { // an Error too: the run ends, it is not left to be resumed forever
                LOG.warnf(e, "%s of environment %s failed", command.type(), command.subject());
                outcome = handler.failed(command, null, e.getClass().getSimpleName() + ": " + e.getMessage());
                status = StageRun.Status.FAILED;
            } finally {
                control.working(false);
            }
            span.setAttribute("stagecraft.outcome", status.name());
            if (status != StageRun.Status.SUCCEEDED) {
                span.setStatus(StatusCode.ERROR, String.valueOf(outcome));
            }
            if (stopping && status != StageRun.Status.SUCCEEDED) {
                interrupted = true; // by the shutdown: the lease is given back, another instance runs it again
                return;
            }
            try {
                finish(workflowId, status, outcome, command.id());
            } catch (MessageTooLargeException e) {
                // e.g. BuildCompleted with large templates: the workflow fails, saying so, instead of going silent
                finish(workflowId, StageRun.Status.FAILED, handler.failed(command, null, e.getMessage()), command.id());
            }
        } catch (RuntimeException e) {
            // the database went away: the run stays unfinished and is taken up again once it is back
            LOG.warnf("%s of environment %s not recorded, it will run again: %s", command.type(), command.subject(),
                    e.getMessage());
        } finally {
            if (!interrupted) {
                active.remove(workflowId);
            }
        }
    }

    /**
     * Tells the gateway every {@code stagecraft.stage.heartbeat} that the runs working here still are, each for at most
     * {@code stagecraft.stage.heartbeat-for}: a run stuck past that goes silent, and the deadline ends it. One
     * transaction carries the heartbeats of every run, on a thread of this instance that nothing else waits for; a
     * slow database delays the next beat instead of piling beats up.
     */
    private void heartbeat() {
        List<RunControl> due = new ArrayList<>();
        long every = config.stage().heartbeat().toSeconds();
        long longest = config.stage().heartbeatFor().toSeconds();
        for (RunControl control : active.values()) {
            long seconds = control.workingForSeconds();
            if (seconds >= every && seconds <= longest) {
                due.add(control);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        try {
            QuarkusTransaction.requiringNew().run(() -> due.forEach(control -> {
                try (Scope ignored = control.trace().makeCurrent()) { // each in its run's trace
                    outbox.publish(new WorkflowProgressed(control.environmentId(), control.workflowId(),
                            control.workingForSeconds()), control.causationId());
                }
            }));
        } catch (RuntimeException e) {
            LOG.debugf("heartbeats of %d runs not sent: %s", due.size(), e.getMessage());
        }
    }

    /** Ends the run with its outcome, if this instance still owns it (else the instance that took it over will). */
    private void finish(String workflowId, StageRun.Status status, StageOutcome outcome, String causationId) {
        QuarkusTransaction.requiringNew().run(() -> {
            StageRun run = em.find(StageRun.class, workflowId, LockModeType.PESSIMISTIC_WRITE);
            if (run == null || run.status.finished() || !config.instanceId().equals(run.owner)) {
                LOG.infof("%s not finished here: %s", workflowId, run == null ? "gone"
                        : run.status.finished() ? "already " + run.status : "instance " + run.owner + " runs it now");
                return;
            }
            end(run, status, outcome, causationId);
        });
    }

    private void end(StageRun run, StageRun.Status status, StageOutcome outcome, String causationId) {
        run.status = status;
        run.finishedAt = OffsetDateTime.now();
        run.leaseUntil = null;
        run.reason = status == StageRun.Status.SUCCEEDED ? null : String.valueOf(outcome);
        outbox.publish(outcome, causationId);
        Duration took = Duration.between(run.acceptedAt, run.finishedAt);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int result) {
                if (result == Status.STATUS_COMMITTED) { // an end rolled back is no end
                    workflowTimer(config.serviceName(), status).record(took);
                }
            }
        });
    }

    /**
     * {@code stagecraft_workflow_duration_seconds{stage, outcome}}: from the command's acceptance to the run's end,
     * as a histogram.
     */
    private Timer workflowTimer(String stage, StageRun.Status status) {
        return Timer.builder("stagecraft.workflow.duration")
                .description("Workflows of a stage from the command's acceptance to their end")
                .tag("stage", stage).tag("outcome", status.name().toLowerCase(Locale.ROOT))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(50))
                .maximumExpectedValue(Duration.ofHours(1)).register(meters);
    }

    void publishNow(StagecraftMessage message, String causationId) {
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(message, causationId));
    }

    void log(String environmentId, String workflowId, String source, String line) {
        logStream.line(environmentId, workflowId, source, line);
    }
}
