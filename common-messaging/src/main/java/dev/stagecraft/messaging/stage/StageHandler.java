package dev.stagecraft.messaging.stage;

import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.cloudevents.CloudEvent;

/** The work of one stage service; exactly one bean per stage service implements it. */
public interface StageHandler {

    /** The event announcing that work on {@code command} started (e.g. SetupStarted). */
    StagecraftMessage started(CloudEvent command);

    /**
     * Does the work. Must converge: it may run again for the same command after a restart.
     *
     * @return the outcome event (e.g. SetupSucceeded or SetupFailed)
     */
    StagecraftMessage run(CloudEvent command, RunControl control) throws Exception;

    /** The failure event for {@code command} when the work threw or was cancelled; {@code task} may be null. */
    StagecraftMessage failed(CloudEvent command, String task, String reason);
}
