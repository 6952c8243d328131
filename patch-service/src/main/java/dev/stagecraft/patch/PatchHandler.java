package dev.stagecraft.patch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.messaging.stage.RunControl;
import dev.stagecraft.messaging.stage.StageHandler;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.RuntimeListener;

/** Handles PatchRequested: replaces only the services whose image or configuration changed. */
@ApplicationScoped
public class PatchHandler implements StageHandler {

    @Inject
    Runtimes runtimes;

    @Override
    public StagecraftMessage started(CloudEvent command) {
        return new PatchStarted(command.subject(), command.workflowId());
    }

    @Override
    public StagecraftMessage run(CloudEvent command, RunControl control) {
        PatchRequested request = (PatchRequested) command.data();
        EnvironmentRuntime runtime = runtimes.of(request.spec().runtime());
        DeployResult result = runtime.patch(request.environmentId(), request.spec(), request.images(), request.commit(),
                RuntimeListener.of(control::taskStarted, control::taskFinished, control::log, control::checkCancelled));
        if (!result.succeeded()) {
            return new PatchFailed(request.environmentId(), request.workflowId(), result.failedTask(), result.reason());
        }
        return new PatchSucceeded(request.environmentId(), request.workflowId(), result.endpoints(), result.started());
    }

    @Override
    public StagecraftMessage failed(CloudEvent command, String task, String reason) {
        return new PatchFailed(command.subject(), command.workflowId(), task, reason);
    }
}
