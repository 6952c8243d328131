package dev.stagecraft.messaging.stage;

import dev.stagecraft.events.LifecycleEvent;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.cloudevents.CloudEvent;

/**
 * The work of one kind of command of a stage service ({@link Stage} for a stage that is configuration alone). A stage
 * service has one bean for each command type its topic carries (the patch-service: PatchRequested, PauseRequested
 * and ResumeRequested); {@link #handles} tells which one a command is for.
 */
public interface StageHandler {

    /** Whether this handler does the work of {@code command}. */
    default boolean handles(CloudEvent command) {
        return true;
    }

    /** The event announcing that work on {@code command} started (e.g. SetupStarted). */
    LifecycleEvent started(CloudEvent command);

    /**
     * Does the work. Must converge: it may run again for the same command after a restart.
     *
     * @return the outcome event (e.g. SetupSucceeded or SetupFailed); its type says whether the run succeeded
     */
    StageOutcome run(CloudEvent command, RunControl control) throws Exception;

    /** The failure event for {@code command} when the work threw or was cancelled; {@code task} may be null. */
    StageOutcome.Failed failed(CloudEvent command, String task, String reason);
}
