package dev.stagecraft.patch;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.RuntimeListener;
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
        return new Stage<>(PatchRequested.class, PatchStarted::new, (request, control) -> {
            DeployResult result = runtimes.of(request.spec().runtime()).patch(request.environmentId(), request.spec(),
                    request.images(), request.commit(), RuntimeListener.of(control::taskStarted,
                            control::taskFinished, control::log, control::checkCancelled));
            return result.succeeded() ? new PatchSucceeded(request.environmentId(), request.workflowId(),
                    result.endpoints(), result.started()) : new PatchFailed(request.environmentId(),
                            request.workflowId(), result.failedTask(), result.reason());
        }, PatchFailed::new);
    }
}
