package dev.stagecraft.messaging.stage;

import dev.stagecraft.events.Command;
import dev.stagecraft.events.LifecycleEvent;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.cloudevents.CloudEvent;

/**
 * A stage service as configuration: the command it takes, the event that announces a run, the work that ends in an
 * outcome, and the failure it reports when the work threw, was cancelled or gave up. {@link StageRuns} drives it.
 *
 * <pre>{@code
 * new Stage<>(SetupRequested.class, SetupStarted::new, (request, control) -> ..., SetupFailed::new)
 * }</pre>
 */
public record Stage<C extends Command>(Class<C> command, Announcement started, Work<C> work,
        StageOutcome.Failure failed) implements StageHandler {

    /** The event announcing a run of a workflow, from the environment and workflow ids (e.g. SetupStarted::new). */
    @FunctionalInterface
    public interface Announcement {
        LifecycleEvent of(String environmentId, String workflowId);
    }

    /** The stage's work on one command. Must converge: it may run again for the same command after a restart. */
    @FunctionalInterface
    public interface Work<C> {
        StageOutcome run(C command, RunControl control) throws Exception;
    }

    @Override
    public boolean handles(CloudEvent command) {
        return this.command.isInstance(command.data());
    }

    @Override
    public LifecycleEvent started(CloudEvent command) {
        return started.of(command.subject(), command.workflowId());
    }

    @Override
    public StageOutcome run(CloudEvent command, RunControl control) throws Exception {
        return work.run(this.command.cast(command.data()), control);
    }

    @Override
    public StageOutcome.Failed failed(CloudEvent command, String task, String reason) {
        return failed.of(command.subject(), command.workflowId(), task, reason);
    }
}
