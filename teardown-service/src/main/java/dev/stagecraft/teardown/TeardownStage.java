package dev.stagecraft.teardown;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.Runtimes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The teardown stage: TeardownRequested removes everything labelled with the environment and its images, checks it
 * is gone, and ends in TeardownSucceeded, or TeardownFailed naming what is still there.
 */
@Singleton
public class TeardownStage {

    @Produces
    @Singleton
    Stage<TeardownRequested> teardown(Runtimes runtimes, MeterRegistry registry) {
        return new Stage<>(TeardownRequested.class, TeardownStarted::new, (request, control) -> {
            // teardown is never cancelled: it is what cancels everything else
            TeardownResult result = runtimes.of(request.runtime()).teardown(request.environmentId(), request.spec(),
                    request.images(), RuntimeListener.of(control::taskStarted, control::taskFinished, control::log,
                            () -> {
                            }));
            Counter.builder("stagecraft.teardown.leak.checks")
                    .description("Checks after a teardown that nothing of the environment is left, by result")
                    .tag("runtime", request.runtime()).tag("result", result.clean() ? "clean" : "leftovers")
                    .register(registry).increment();
            if (!result.clean()) {
                return new TeardownFailed(request.environmentId(), request.workflowId(), "release.remove_environment",
                        "still present after removal: " + result.leftovers());
            }
            result.kept().forEach(k -> control.log("release.remove_environment", "kept " + k));
            return new TeardownSucceeded(request.environmentId(), request.workflowId(), result.removed());
        }, TeardownFailed::new);
    }
}
