package dev.stagecraft.teardown;

import java.util.ArrayList;
import java.util.List;

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
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.RuntimeListener;

/**
 * Handles TeardownRequested: removes everything labelled with the environment and its images, then checks again a few
 * times, because a setup cancelled a moment ago may still be creating a container when teardown starts.
 */
@ApplicationScoped
public class TeardownHandler implements StageHandler {

    private static final int ROUNDS = 3;

    @Inject
    EnvironmentRuntime runtime;

    @Override
    public StagecraftMessage started(CloudEvent command) {
        return new TeardownStarted(command.subject(), command.workflowId());
    }

    @Override
    public StagecraftMessage run(CloudEvent command, RunControl control) throws InterruptedException {
        TeardownRequested request = (TeardownRequested) command.data();
        // teardown is never cancelled: it is what cancels everything else
        RuntimeListener listener = RuntimeListener.of(control::taskStarted, control::taskFinished, control::log, () -> {
        });
        List<String> removed = new ArrayList<>();
        List<String> kept = List.of();
        TeardownResult result = null;
        for (int round = 0; round < ROUNDS; round++) {
            result = runtime.teardown(request.environmentId(), request.images(), listener);
            removed.addAll(result.removed());
            kept = result.kept();
            if (!result.clean()) {
                break;
            }
            if (round < ROUNDS - 1) {
                Thread.sleep(500);
            }
        }
        if (!result.clean()) {
            return new TeardownFailed(request.environmentId(), request.workflowId(), "release.remove_environment",
                    "still present after removal: " + result.leftovers());
        }
        kept.forEach(k -> control.log("release.remove_environment", "kept " + k));
        return new TeardownSucceeded(request.environmentId(), request.workflowId(), removed);
    }

    @Override
    public StagecraftMessage failed(CloudEvent command, String task, String reason) {
        return new TeardownFailed(command.subject(), command.workflowId(), task, reason);
    }
}
