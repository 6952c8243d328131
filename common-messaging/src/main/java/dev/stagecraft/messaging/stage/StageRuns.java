package dev.stagecraft.messaging.stage;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.stagecraft.events.CancelRequested;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.messaging.LogStream;
import dev.stagecraft.messaging.outbox.MessageTooLargeException;
import dev.stagecraft.messaging.outbox.Outbox;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

/**
 * Runs a stage service's commands outside the Kafka poll loop: a command is recorded as a run (once, whatever the
 * redeliveries), acknowledged, worked on in a pool, and its outcome event is written with the run's final status
 * in one transaction. On start, runs left unfinished by a previous process are resumed.
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

    private static final ScheduledExecutorService HEARTBEATS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stage-heartbeat");
        t.setDaemon(true);
        return t;
    });

    @ConfigProperty(name = "stagecraft.stage.heartbeat", defaultValue = "PT60S")
    Duration heartbeatEvery;

    @ConfigProperty(name = "stagecraft.stage.heartbeat-for", defaultValue = "PT1H")
    Duration heartbeatFor;

    @ConfigProperty(name = "stagecraft.stage.concurrency", defaultValue = "4")
    int concurrency;

    private final Map<String, RunControl> active = new ConcurrentHashMap<>();
    private ExecutorService pool;

    void onStart(@Observes StartupEvent event) {
        if (handlers.isUnsatisfied()) {
            return;
        }
        pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "stage-run");
            t.setDaemon(true);
            return t;
        });
        List<StageRun> unfinished = QuarkusTransaction.requiringNew()
                .call(() -> StageRun.<StageRun>list("finishedAt is null order by acceptedAt"));
        for (StageRun run : unfinished) {
            LOG.infof("resuming %s %s of environment %s", run.commandType, run.workflowId, run.environmentId);
            launch(run);
        }
    }

    @PreDestroy
    void stop() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /**
     * Takes a command from the stage's topic. Called on the consumer thread; returns once the run is recorded.
     * A redelivered command (same workflow) is ignored; a CancelRequested stops the run it names.
     */
    public void accept(CloudEvent command) {
        if (command.data() instanceof CancelRequested cancel) {
            cancel(cancel.workflowId(), cancel.reason());
            return;
        }
        StageRun run = QuarkusTransaction.requiringNew().call(() -> record(command));
        if (run != null) {
            launch(run);
        }
    }

    private StageRun record(CloudEvent command) {
        if (StageRun.findById(command.workflowId()) != null) {
            return null;
        }
        StageRun run = new StageRun();
        run.workflowId = command.workflowId();
        run.environmentId = command.subject();
        run.commandId = command.id();
        run.commandType = command.type();
        run.command = EventJson.write(command.data());
        run.status = StageRun.Status.ACCEPTED;
        run.acceptedAt = OffsetDateTime.now();
        run.persist();
        return run;
    }

    private void cancel(String workflowId, String reason) {
        RunControl control = active.get(workflowId);
        if (control != null) {
            control.cancel(reason);
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            StageRun run = StageRun.findById(workflowId);
            if (run != null && run.status == StageRun.Status.ACCEPTED) {
                run.status = StageRun.Status.CANCELLED;
                run.reason = reason;
                run.finishedAt = OffsetDateTime.now();
            }
        });
    }

    private void launch(StageRun run) {
        MessageType type = MessageType.ofCeType(run.commandType).orElseThrow();
        StagecraftMessage data = EventJson.read(run.command, type.javaType());
        CloudEvent command = new CloudEvent(run.commandId, run.commandType, null, run.environmentId, run.acceptedAt,
                run.workflowId, null, data);
        RunControl control = new RunControl(run.environmentId, run.workflowId, run.commandId, this);
        active.put(run.workflowId, control);
        pool.submit(() -> execute(command, control));
    }

    private void execute(CloudEvent command, RunControl control) {
        StageHandler handler = handlers.get();
        String workflowId = command.workflowId();
        try {
            boolean go = QuarkusTransaction.requiringNew().call(() -> {
                StageRun run = StageRun.findById(workflowId);
                if (run == null || run.status.finished()) {
                    return false;
                }
                run.status = StageRun.Status.RUNNING;
                outbox.publish(handler.started(command), command.id());
                return true;
            });
            if (!go) {
                return;
            }
            StagecraftMessage outcome;
            StageRun.Status status;
            ScheduledFuture<?> beat = heartbeat(command);
            try {
                control.checkCancelled();
                outcome = handler.run(command, control);
                status = isFailure(outcome) ? StageRun.Status.FAILED : StageRun.Status.SUCCEEDED;
            } catch (RunCancelledException e) {
                outcome = handler.failed(command, null, "cancelled: " + e.getMessage());
                status = StageRun.Status.CANCELLED;
            } catch (Exception e) {
                LOG.warnf(e, "%s of environment %s failed", command.type(), command.subject());
                outcome = handler.failed(command, null, e.getClass().getSimpleName() + ": " + e.getMessage());
                status = StageRun.Status.FAILED;
            } finally {
                beat.cancel(false);
            }
            try {
                finish(workflowId, status, outcome, command.id());
            } catch (MessageTooLargeException e) {
                // e.g. BuildCompleted with large templates: the workflow fails, saying so, instead of going silent
                finish(workflowId, StageRun.Status.FAILED, handler.failed(command, null, e.getMessage()), command.id());
            }
        } finally {
            active.remove(workflowId);
        }
    }

    /**
     * Tells the gateway every {@code stagecraft.stage.heartbeat} that the run is still working, for at most
     * {@code stagecraft.stage.heartbeat-for}: a run stuck past that goes silent, and the deadline ends it.
     */
    private ScheduledFuture<?> heartbeat(CloudEvent command) {
        long started = System.nanoTime();
        return HEARTBEATS.scheduleAtFixedRate(() -> {
            long running = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            if (running > heartbeatFor.toSeconds()) {
                return;
            }
            try {
                publishNow(new WorkflowProgressed(command.subject(), command.workflowId(), running), command.id());
            } catch (RuntimeException e) {
                LOG.debugf("heartbeat of %s not sent: %s", command.workflowId(), e.getMessage());
            }
        }, heartbeatEvery.toMillis(), heartbeatEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean isFailure(StagecraftMessage outcome) {
        return outcome.getClass().getSimpleName().endsWith("Failed");
    }

    private void finish(String workflowId, StageRun.Status status, StagecraftMessage outcome, String causationId) {
        QuarkusTransaction.requiringNew().run(() -> {
            StageRun run = StageRun.findById(workflowId);
            run.status = status;
            run.finishedAt = OffsetDateTime.now();
            run.reason = status == StageRun.Status.SUCCEEDED ? null : String.valueOf(outcome);
            outbox.publish(outcome, causationId);
        });
    }

    void publishNow(StagecraftMessage message, String causationId) {
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(message, causationId));
    }

    void log(String environmentId, String workflowId, String source, String line) {
        logStream.line(environmentId, workflowId, source, line);
    }
}
