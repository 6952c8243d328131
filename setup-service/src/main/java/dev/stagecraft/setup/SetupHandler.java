package dev.stagecraft.setup;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.messaging.stage.RunControl;
import dev.stagecraft.messaging.stage.StageHandler;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.RuntimeListener;

/** Handles SetupRequested: converges the environment to its spec on the runtime and waits until every service answers. */
@ApplicationScoped
public class SetupHandler implements StageHandler {

    @Inject
    Runtimes runtimes;

    @Override
    public StagecraftMessage started(CloudEvent command) {
        return new SetupStarted(command.subject(), command.workflowId());
    }

    @Override
    public StagecraftMessage run(CloudEvent command, RunControl control) {
        SetupRequested request = (SetupRequested) command.data();
        EnvironmentRuntime runtime = runtimes.of(request.spec().runtime());
        DeployResult result = runtime.setup(request.environmentId(), request.spec(), request.images(), request.commit(),
                RuntimeListener.of(control::taskStarted, control::taskFinished, control::log, control::checkCancelled));
        if (!result.succeeded()) {
            return new SetupFailed(request.environmentId(), request.workflowId(), result.failedTask(), result.reason());
        }
        return new SetupSucceeded(request.environmentId(), request.workflowId(), result.endpoints());
    }

    @Override
    public StagecraftMessage failed(CloudEvent command, String task, String reason) {
        return new SetupFailed(command.subject(), command.workflowId(), task, reason);
    }
}
