package dev.stagecraft.teardown;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.messaging.stage.RunControl;
import dev.stagecraft.messaging.stage.StageHandler;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Runtimes;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.RuntimeListener;

/** Handles TeardownRequested: removes everything labelled with the environment and its images, and checks it is gone. */
@ApplicationScoped
public class TeardownHandler implements StageHandler {

    @Inject
    Runtimes runtimes;

    @Override
    public StagecraftMessage started(CloudEvent command) {
        return new TeardownStarted(command.subject(), command.workflowId());
    }

    @Override
    public StagecraftMessage run(CloudEvent command, RunControl control) {
        TeardownRequested request = (TeardownRequested) command.data();
        // teardown is never cancelled: it is what cancels everything else
        EnvironmentRuntime runtime = runtimes.of(request.runtime());
        TeardownResult result = runtime.teardown(request.environmentId(), request.spec(), request.images(),
                RuntimeListener.of(control::taskStarted, control::taskFinished, control::log, () -> {
                }));
        if (!result.clean()) {
            return new TeardownFailed(request.environmentId(), request.workflowId(), "release.remove_environment",
                    "still present after removal: " + result.leftovers());
        }
        result.kept().forEach(k -> control.log("release.remove_environment", "kept " + k));
        return new TeardownSucceeded(request.environmentId(), request.workflowId(), result.removed());
    }

    @Override
    public StagecraftMessage failed(CloudEvent command, String task, String reason) {
        return new TeardownFailed(command.subject(), command.workflowId(), task, reason);
    }
}
