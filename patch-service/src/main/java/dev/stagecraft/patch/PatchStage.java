package dev.stagecraft.patch;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.Deployment;
import dev.stagecraft.runtime.Runtimes;

/**
 * The patch stage: PatchRequested replaces only the services whose image or configuration changed and runs the patch
 * workflow's jobs, leaving every other service (even one no longer in the spec) untouched, and ends in PatchSucceeded
 * naming the replaced services or PatchFailed naming the task.
 */
@Singleton
public class PatchStage {

    @Produces
    @Singleton
    Stage<PatchRequested> patch(Runtimes runtimes) {
        return new Stage<>(PatchRequested.class, PatchStarted::new, Deployment.patch(runtimes::of)::run,
                PatchFailed::new);
    }
}
